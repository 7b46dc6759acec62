#pragma once

// Internal to net/: what the listener, its HTTP sessions and its WebSocket
// connections share. Every HTTP session and connection holds it by
// shared_ptr, so it outlives them all. Counters are atomics; the set of
// open connections sits behind a mutex (this is the socket edge, not an
// actor: close_all() must reach every connection from any thread).

#include "net/connection_handler.hpp"
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
    std::atomic<std::uint64_t> ws_open{0};  // slots held
    std::atomic<std::uint64_t> ws_total{0};
    std::atomic<std::uint64_t> ws_bytes_in{0};
    std::atomic<std::uint64_t> ws_bytes_out{0};
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

    /// An upgraded connection joins the set close_all() reaches. Returns
    /// false if close_all() has already run: the caller closes it itself
    /// with `late_code`/`late_reason`.
    bool add(const std::shared_ptr<ws_connection>& c, std::uint16_t& late_code, std::string& late_reason);
    void remove(ws_connection& c);
    /// Calls c.tick(now_ms) for every open connection (the sweeper's round),
    /// outside the lock.
    void tick_all(std::int64_t now_ms);
    /// Stops new upgrades and closes every connection in the set.
    void close_all(std::uint16_t code, std::string reason);
    bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }
    /// Calls fn once no slot is held (at once, on this thread, if none is).
    void when_all_closed(std::function<void()> fn);

private:
    friend class ws_slot;
    void release() noexcept;
    /// The open connections still owned by someone; mutex_ held.
    std::vector<std::shared_ptr<ws_connection>> open_locked() const;

    std::atomic<std::uint64_t> ids_{0};
    std::atomic<bool> shutting_down_{false};
    mutable std::mutex mutex_;  // guards the members below
    // The connections add() took and remove() has not, linked through
    // ws_connection's prev_open_/next_open_ (a map cost about 90 B each).
    ws_connection* open_head_ = nullptr;
    std::size_t open_count_ = 0;
    std::uint16_t close_code_ = 0;
    std::string close_reason_;
    std::vector<std::function<void()>> idle_waiters_;
};

}  // namespace chatd::net
