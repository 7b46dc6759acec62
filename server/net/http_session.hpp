#pragma once

// Internal to net/: one accepted TCP connection speaking HTTP/1.1 with
// keep-alive, one request at a time. Routes:
//   GET/HEAD /healthz  200 "ok\n"
//   GET/HEAD /readyz   the readiness callback: 200 "ready\n" or 503 and why
//   GET/HEAD /metrics  the render callback, Prometheus text format
//   GET      /ws       a WebSocket upgrade: 403 (Origin), 503 (capacity,
//                      shutting down), 426 (not an upgrade), else handed to
//                      a new ws_connection
//   any      /api/...  the API callback (JSON; docs/api.md), or 404 without one
//   GET/HEAD other     a static file under the web root, or 404
// Other methods get 405. Bad requests get 400, 413 or 431 and are closed;
// so does an HTTP/1.1 request without exactly one Host header (400).

#include <utility>  // before Boost: see docs/architecture.md

#include <memory>

#include <boost/asio/ip/tcp.hpp>

namespace chatd::net {
struct server_state;
}  // namespace chatd::net

namespace chatd::net::detail {

/// Starts a session on `socket` (whose executor is the connection's
/// strand). The session keeps itself alive while it has work.
void run_http_session(std::shared_ptr<server_state> state, boost::asio::ip::tcp::socket socket);

}  // namespace chatd::net::detail
