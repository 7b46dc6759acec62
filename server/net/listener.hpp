#pragma once

// The network edge: accepts TCP, speaks HTTP/1.1 (static files, /healthz,
// /readyz, /metrics, /api/ through a callback) and upgrades /ws to WebSocket connections handed to
// a session factory. No chat logic lives here. Beast and Asio's sockets
// stay in the .cpp files: only io_context is named (forward-declared).

#include "net/connection_handler.hpp"
#include "net/net_config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace spdlog {
class logger;
}  // namespace spdlog

namespace chatd::metrics {
class registry;
}  // namespace chatd::metrics

namespace chatd::net {

struct server_state;
namespace detail {
class connection_sweeper;
}  // namespace detail

/// Answers a readiness check: call it once, from any thread.
using readiness_answer = std::function<void(bool ready, std::string why)>;
/// Asked by each GET /readyz on an io thread; must not block, and should
/// answer (from any thread) within net_config::readiness_timeout, after
/// which the request gets 503 "readiness check timed out".
using readiness_check = std::function<void(readiness_answer answer)>;

/// One request under /api/, for the API callback. Plain data.
struct api_request {
    std::string method;         ///< as sent: "GET", "POST", "DELETE"...
    std::string target;         ///< path and query: "/api/v1/rooms/general/messages?limit=5"
    std::string authorization;  ///< the Authorization header; "" when absent
    std::string body;           ///< at most net_config::api_body_limit bytes
};
/// The answer to an api_request: sent as application/json.
struct api_response {
    unsigned status = 200;
    std::string body;
    /// Extra headers: Allow, Retry-After, WWW-Authenticate.
    std::vector<std::pair<std::string, std::string>> headers;
};
/// Answers an API request: call it once, from any thread.
using api_answer = std::function<void(api_response)>;
/// Called for each request under /api/ on an io thread; must not block, and
/// should answer (from any thread) within net_config::api_timeout, after
/// which the request gets 503 with code "unavailable".
using api_handler = std::function<void(api_request request, api_answer answer)>;

struct listener_callbacks {
    /// Required: makes the handler of each upgraded connection.
    session_factory make_session;
    /// Empty: /readyz always answers 200.
    readiness_check readiness;
    /// The body of GET /metrics, called on an io thread (quick, thread-safe).
    /// Empty: /metrics is 404.
    std::function<std::string()> render_metrics;
    /// Empty: every path under /api/ is 404 (the API is never open without
    /// a key; app/ sets this only when keys are configured).
    api_handler api;
    /// Where the edge logs; empty: spdlog's default logger. One info line per
    /// WebSocket connection opened and closed, nothing per message.
    std::shared_ptr<spdlog::logger> logger;
};

/// Why an upgrade request was refused (each counted).
enum class reject_reason : std::uint8_t {
    capacity,       ///< max_connections are open: HTTP 503
    origin,         ///< Origin not allowed: HTTP 403
    shutting_down,  ///< close_all() has run: HTTP 503
    not_websocket,  ///< GET /ws without a WebSocket upgrade: HTTP 426
    handshake,      ///< the WebSocket handshake failed
};
inline constexpr std::size_t reject_reason_count = 5;
std::string_view to_string(reject_reason r) noexcept;

/// A snapshot of the edge's counters.
struct net_stats {
    std::uint64_t accepted = 0;       ///< TCP connections accepted
    std::uint64_t accept_errors = 0;  ///< failed accepts, each followed by a back-off
    std::uint64_t http_requests = 0;  ///< requests read, upgrades included
    std::uint64_t http_open = 0;      ///< plain HTTP connections open (not upgraded; refused ones not counted)
    std::uint64_t http_idle = 0;      ///< ... of which idle: waiting for a request, none of it read
    std::uint64_t http_evicted = 0;   ///< idle HTTP connections closed to make room under max_http_connections
    std::uint64_t http_refused = 0;   ///< HTTP connections refused with 503: at the limit and none idle
    std::uint64_t ws_open = 0;        ///< WebSocket connections open (handshakes in progress included)
    std::uint64_t ws_total = 0;       ///< completed upgrades
    std::uint64_t ws_bytes_in = 0;    ///< message payload bytes read
    std::uint64_t ws_bytes_out = 0;   ///< message payload bytes written
    std::uint64_t deadline_wakeups = 0;  ///< times the connections' timer fired (none while nothing is due)
    std::uint64_t deadline_checks = 0;   ///< connections it looked at then
    std::array<std::uint64_t, close_reason_count> ws_closed{};
    std::array<std::uint64_t, reject_reason_count> rejected{};

    std::uint64_t closed(close_reason r) const noexcept { return ws_closed[static_cast<std::size_t>(r)]; }
    std::uint64_t rejected_for(reject_reason r) const noexcept { return rejected[static_cast<std::size_t>(r)]; }
};

/// Owned by main. Every member is thread-safe unless it says otherwise.
///
/// Ownership: the listener, each HTTP session and each ws_connection share
/// one internal state (config, callbacks, counters, the set of open
/// connections) by shared_ptr, so none of them dangles whatever order they
/// end in. The callbacks are called until the io_context stops, so what
/// they refer to must outlive the io threads (or the last connection).
///
/// Graceful stop: stop_accepting(); close_all(1001, "going away");
/// when_all_closed(done) (every connection's queued frames and close frame
/// written, or close_timeout passed); then stop the io threads.
class listener {
public:
    /// Throws std::invalid_argument without make_session, and
    /// std::runtime_error if cfg.web_root is set but not a directory.
    listener(boost::asio::io_context& io, net_config cfg, listener_callbacks cb);
    /// stop_accepting(). Open connections carry on until closed or until
    /// the io_context stops.
    ~listener();
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    /// Binds, listens and starts accepting. Call once, before the
    /// listener is used from other threads. Throws std::system_error
    /// (boost::system::system_error) for a bad address or a port in use.
    void start();

    /// The bound port (the ephemeral one when net_config::port is 0);
    /// 0 before start().
    std::uint16_t port() const noexcept;

    /// Adds the edge's metrics to `reg` (read at scrape time). Call once.
    void register_metrics(metrics::registry& reg);

    /// Stops accepting new TCP connections. Idempotent.
    void stop_accepting();

    /// Refuses new upgrades (503) from now on and closes every open
    /// WebSocket connection with `code` after its queued frames; an upgrade
    /// already in progress is closed as soon as it completes. Only the
    /// first call's code counts for those.
    void close_all(std::uint16_t code = close_code::going_away, std::string reason = "going away");

    /// Calls fn once no WebSocket connection is open (handshakes in
    /// progress included): at once on this thread if none is, else on the
    /// io thread that closes the last one; so fn should only signal (set a
    /// promise, tell an actor), never stop the io threads itself. Never
    /// called if the io_context stops first.
    void when_all_closed(std::function<void()> fn);

    std::size_t open_connections() const noexcept;
    net_stats stats() const noexcept;

private:
    struct accept_loop;  // the acceptor and its back-off timer, on their own strand

    std::shared_ptr<server_state> state_;
    std::shared_ptr<accept_loop> loop_;
    std::shared_ptr<detail::connection_sweeper> sweeper_;  // the connections' clocks
};

}  // namespace chatd::net
