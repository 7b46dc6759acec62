#pragma once

// One upgraded WebSocket connection on its own strand: reads text messages
// into a connection_handler, writes shared frames through a queue bounded
// in bytes. Asio stays in ws_connection.cpp; this header is cheap.

#include "net/connection_handler.hpp"
#include "transport/connection.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::net {

/// Facts about the upgrade, fixed for the connection's life. (What else
/// the request said goes to the session factory only: see request_facts.)
struct upgrade_info {
    std::uint64_t id = 0;  ///< unique in this process, for logs
    std::string remote;    ///< "127.0.0.1:52144"
};

/// Made by the listener after a successful upgrade and given to the
/// session_factory. Owned by shared_ptr: its own pending reads and writes
/// keep it alive until the socket is closed, and whoever holds it (the
/// session) may keep it longer; after the socket is closed it is inert.
///
/// Threading: send(), close(), info() and queued_bytes() are thread-safe.
/// Handler callbacks run on the connection's strand (see
/// connection_handler).
class ws_connection : public transport::connection, public std::enable_shared_from_this<ws_connection> {
public:
    struct impl;  // the socket and the strand-side state (ws_connection.cpp)

    /// Made only by the listener (the impl cannot be named elsewhere), in
    /// one allocation with its impl, which outlives it.
    ws_connection(upgrade_info info, impl& i);
    ~ws_connection();
    ws_connection(const ws_connection&) = delete;
    ws_connection& operator=(const ws_connection&) = delete;

    /// Queues a text frame. Thread-safe, never blocks. The same pointer may
    /// go to many connections; it is held until written. Returns false, and
    /// drops the frame, if the connection is closing or closed, or if the
    /// frame would take the queue over its byte budget, in which case the
    /// connection is closed with 4000 "slow consumer" (frames not yet
    /// started are dropped). True means queued, not delivered: the
    /// connection may still close before writing it.
    bool send(std::shared_ptr<const std::string> frame) override;

    /// Starts a server-side close: no more frames are read or accepted;
    /// those already queued are written, then the close frame with `code`
    /// and `reason` (at most 123 bytes; longer is cut). The handler gets
    /// on_closed({server_closed, code}) unless it already got on_closed.
    /// Thread-safe and idempotent: only the first close counts.
    void close(std::uint16_t code, std::string reason = {}) override;

    const upgrade_info& info() const noexcept { return info_; }
    std::uint64_t id() const noexcept override { return info_.id; }
    std::string_view remote() const noexcept override { return info_.remote; }
    /// Bytes accepted by send() and not yet written.
    std::size_t queued_bytes() const noexcept { return queued_bytes_.load(std::memory_order_relaxed); }
    /// True once close has started, from either side.
    bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

    /// Checks the connection's clocks (idle timeout, keep-alive ping, close
    /// timeout) against `now_ms` (steady clock, milliseconds), posts what is
    /// due to the connection's strand, and returns when it next needs a
    /// tick (0: not until the strand says so). Called by the listener's
    /// deadline wheel when the connection's bucket comes; thread-safe.
    std::int64_t tick(std::int64_t now_ms);

private:
    friend struct impl;
    friend struct server_state;
    friend class deadline_wheel;  // files open connections through prev_open_/next_open_/bucket_

    const upgrade_info info_;
    /// One frame to write: a text payload (given a header when written), or
    /// bytes written as they are (control frames, the 101 response).
    struct queued_frame {
        std::shared_ptr<const std::string> bytes;
        bool text = false;  // counted in the outbound budget
    };
    // Guards the inbox. Held for a push or a swap only, so a spin is
    // enough, and it takes one byte where std::mutex takes forty (per
    // connection).
    class inbox_lock {
    public:
        void lock() noexcept {
            while (flag_.test_and_set(std::memory_order_acquire))
                while (flag_.test(std::memory_order_relaxed)) {
                }
        }
        void unlock() noexcept { flag_.clear(std::memory_order_release); }

    private:
        std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
    };
    // Frames send() accepted and the strand has not yet taken; a post is
    // made only when the inbox was empty (flush_posted_ false).
    std::vector<queued_frame> inbox_;
    // server_state's deadline wheel, which is the set of open connections:
    // its bucket (0: not in it) and list; guarded by server_state's mutex.
    ws_connection* prev_open_ = nullptr;
    ws_connection* next_open_ = nullptr;
    std::int64_t bucket_ = 0;
    std::atomic<std::size_t> queued_bytes_{0};
    impl* const impl_;  // in the same allocation as this connection
    // The one-byte members together, so that they share one word.
    inbox_lock inbox_mutex_;
    bool flush_posted_ = false;
    std::atomic<bool> closing_{false};
};

}  // namespace chatd::net
