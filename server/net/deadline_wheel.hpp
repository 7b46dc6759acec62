#pragma once

// Internal to net/: the open WebSocket connections, filed by when each next
// needs looking at (keep-alive ping, idle timeout, close timeout). Buckets
// are `granularity` wide, so a wake-up handles every connection due in it;
// a connection with nothing due sits in the `never` bucket. Links through
// ws_connection's own fields: no allocation per connection, one map node
// per non-empty bucket. Not thread-safe: server_state holds it under its
// mutex. No Asio here.

#include "net/ws_connection.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace chatd::net {

struct net_config;

class deadline_wheel {
public:
    /// The bucket of a connection with nothing due.
    static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

    explicit deadline_wheel(std::int64_t granularity_ms) noexcept
        : granularity_(granularity_ms > 0 ? granularity_ms : 1) {}

    /// The width of a bucket for `cfg`: a quarter of the shortest clock,
    /// between 10 ms and 1 s (how late a ping or a timeout may come). Pure.
    static std::int64_t granularity_for(const net_config& cfg) noexcept;

    /// Files `c`, which is in no bucket, as due at `due_ms` (0: never).
    void insert(ws_connection& c, std::int64_t due_ms);
    /// Takes `c` out. A no-op if it is in no bucket.
    void erase(ws_connection& c) noexcept;
    /// Makes sure `c` (filed) is looked at by `due_ms`: moves it to an
    /// earlier bucket, never to a later one (a connection that became busy
    /// is looked at when its old bucket comes and filed again then). True
    /// if the earliest wake-up moved earlier.
    bool schedule(ws_connection& c, std::int64_t due_ms);
    /// Moves every connection whose bucket has come by `now_ms` to `never`
    /// and appends it to `out`.
    void take_due(std::int64_t now_ms, std::vector<ws_connection*>& out);
    /// When the earliest bucket comes (steady milliseconds); 0: none is due.
    std::int64_t next_wake_ms() const noexcept;

    /// Calls fn(ws_connection&) for every filed connection.
    template <class F>
    void for_each(F&& fn) const;

private:
    std::int64_t bucket_for(std::int64_t due_ms) const noexcept;
    void link(ws_connection& c, std::int64_t bucket);

    const std::int64_t granularity_;
    // Bucket -> the first connection in it (a list through prev_open_/next_open_).
    std::map<std::int64_t, ws_connection*> buckets_;
};

template <class F>
void deadline_wheel::for_each(F&& fn) const {
    for (const auto& [bucket, head] : buckets_)
        for (ws_connection* n = head; n != nullptr; n = n->next_open_) fn(*n);
}

}  // namespace chatd::net
