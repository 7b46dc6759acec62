#pragma once

// Internal to net/: what the listener, its HTTP sessions and its WebSocket
// connections share. Every HTTP session and connection holds it by
// shared_ptr, so it outlives them all. Counters are atomics; the set of
// open connections and the list of HTTP connections sit behind a
// mutex (this is the socket edge, not an actor: close_all() must reach
// every connection from any thread, and any connection's strand may evict
// another's idle HTTP connection).

#include "net/connection_handler.hpp"
#include "net/deadline_wheel.hpp"
#include "net/listener.hpp"
#include "net/net_config.hpp"
#include "net/static_files.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace chatd::net {

/// The edge's counters; every field thread-safe. listener::stats() copies them.
struct net_counters {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> accept_errors{0};
    std::atomic<std::uint64_t> http_requests{0};
    std::atomic<std::uint64_t> http_open{0};     // plain HTTP connections holding a place
    std::atomic<std::uint64_t> http_idle{0};     // ... of which idle (waiting for a request, none of it read)
    std::atomic<std::uint64_t> http_evicted{0};  // idle ones closed to make room
    std::atomic<std::uint64_t> http_refused{0};  // new ones refused (503): none was idle
    std::atomic<std::uint64_t> ws_open{0};  // slots held
    std::atomic<std::uint64_t> ws_total{0};
    std::atomic<std::uint64_t> ws_bytes_in{0};
    std::atomic<std::uint64_t> ws_bytes_out{0};
    std::atomic<std::uint64_t> deadline_wakeups{0};  // times the deadline wheel's timer fired
    std::atomic<std::uint64_t> deadline_checks{0};   // connections it looked at then
    std::array<std::atomic<std::uint64_t>, close_reason_count> ws_closed{};
    std::array<std::atomic<std::uint64_t>, reject_reason_count> rejected{};

    void count(close_reason r) noexcept { ws_closed[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
    void count(reject_reason r) noexcept { rejected[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
};

class ws_connection;
struct server_state;

/// A claim on one of max_connections. Released when destroyed or reset.
class ws_slot {
public:
    ws_slot() = default;
    explicit ws_slot(std::shared_ptr<server_state> s) : state_(std::move(s)) {}
    ws_slot(ws_slot&&) noexcept = default;
    ws_slot& operator=(ws_slot&& o) noexcept {
        if (this != &o) {
            reset();
            state_ = std::move(o.state_);
        }
        return *this;
    }
    ~ws_slot() { reset(); }
    void reset() noexcept;
    explicit operator bool() const noexcept { return state_ != nullptr; }

private:
    std::shared_ptr<server_state> state_;
};

/// What server_state sees of a plain HTTP connection, to keep at most
/// max_http_connections of them. Internal to net/: http_session.cpp.
class http_tracked {
public:
    virtual ~http_tracked() = default;
    /// Closes the connection to make room for a new one: called at most
    /// once, from any thread, outside server_state's lock.
    virtual void evict() = 0;
    /// The connection, if it is still owned (not being destroyed).
    virtual std::shared_ptr<http_tracked> lock() noexcept = 0;

private:
    friend struct server_state;
    // The list of counted connections, oldest first, linked here (like
    // ws_connection's set).
    http_tracked* prev_http_ = nullptr;
    http_tracked* next_http_ = nullptr;
    bool counted_ = false;  // holds a place, is in the list
    bool idle_ = false;     // waits for a request and has read none of it
    bool evicted_ = false;
};

struct server_state : std::enable_shared_from_this<server_state> {
    server_state(net_config c, listener_callbacks cb);

    const net_config cfg;
    const listener_callbacks callbacks;  // logger never empty
    spdlog::logger& log;  // callbacks.logger
    const std::optional<static_files> files;  // empty when cfg.web_root is
    net_counters counters;

    /// A slot if fewer than max_connections are held and close_all() has
    /// not run; otherwise an empty slot and `why` (capacity, shutting_down).
    ws_slot try_reserve(reject_reason& why);
    /// True if `origin` may upgrade.
    bool origin_allowed(std::string_view origin, bool present) const;
    /// A fresh connection id.
    std::uint64_t next_id() noexcept { return ids_.fetch_add(1, std::memory_order_relaxed) + 1; }

    /// A new HTTP connection takes a place. At max_http_connections the
    /// oldest idle connection gives up its place and is returned in
    /// `evicted` (call evict() on it, outside any lock); returns false if
    /// none is idle: `c` gets no place and should answer 503 and close.
    bool http_admit(http_tracked& c, std::shared_ptr<http_tracked>& evicted);
    /// `c` waits for a request and has read none of it: it may be evicted.
    void http_idle(http_tracked& c);
    /// `c` has read bytes of a request: it is no longer evictable. False if
    /// it was evicted already (its socket is being closed: stop).
    bool http_busy(http_tracked& c);
    /// `c` ended or upgraded: its place is free. Idempotent.
    void http_release(http_tracked& c) noexcept;

    /// An upgraded connection joins the set close_all() reaches. Returns
    /// false if close_all() has already run: the caller closes it itself
    /// with `late_code`/`late_reason`.
    bool add(const std::shared_ptr<ws_connection>& c, std::uint16_t& late_code, std::string& late_reason);
    void remove(ws_connection& c);
    /// Makes sure `c`, if open, is ticked by `due_ms` (steady ms; 0: no
    /// change). Called from c's strand when a clock starts; thread-safe.
    void schedule(ws_connection& c, std::int64_t due_ms);
    /// Ticks every open connection whose bucket has come by `now_ms` and
    /// files it again; returns when the next bucket comes (0: none). Called
    /// by the sweeper when its timer fires.
    std::int64_t run_due(std::int64_t now_ms);
    /// `wake(ms)` is called, outside the lock, whenever the earliest bucket
    /// moves earlier. Set once by the sweeper, before the first connection.
    void set_waker(std::function<void(std::int64_t)> wake);
    /// Stops new upgrades and closes every connection in the set.
    void close_all(std::uint16_t code, std::string reason);
    bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }
    /// Calls fn once no slot is held (at once, on this thread, if none is).
    void when_all_closed(std::function<void()> fn);

private:
    friend class ws_slot;
    void release() noexcept;
    void unlink_http_locked(http_tracked& c) noexcept;
    /// The open connections still owned by someone; mutex_ held.
    std::vector<std::shared_ptr<ws_connection>> open_locked() const;

    std::atomic<std::uint64_t> ids_{0};
    std::atomic<bool> shutting_down_{false};
    mutable std::mutex mutex_;  // guards the members below
    // The connections add() took and remove() has not, filed by when each
    // is next due, linked through their own fields (a map cost about 90 B each).
    deadline_wheel wheel_;
    std::size_t open_count_ = 0;
    std::function<void(std::int64_t)> wake_;
    http_tracked* http_head_ = nullptr;  // HTTP connections holding a place, oldest first
    http_tracked* http_tail_ = nullptr;
    std::uint16_t close_code_ = 0;
    std::string close_reason_;
    std::vector<std::function<void()>> idle_waiters_;
};

}  // namespace chatd::net
