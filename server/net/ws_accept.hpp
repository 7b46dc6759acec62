#pragma once

// Internal to net/: hands an HTTP connection whose request asked for a
// WebSocket upgrade over to a new ws_connection. Names Asio and Beast
// types: include it only from net/*.cpp files that already use them.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/http_routing.hpp"
#include "net/server_state.hpp"
#include "net/ws_connection.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace chatd::net::detail {

/// On `socket`'s strand: queues `response_101` (ws_switching_response of
/// a request that passed ws_upgrade_problem), makes the connection's
/// handler with the session factory and starts reading; `early_bytes` are
/// what the HTTP side read past the request (frames a client sent without
/// waiting for the 101), read first; `target` and `origin` are the
/// request's, for the factory. The slot is released when the connection
/// ends.
void accept_websocket(std::shared_ptr<server_state> state, ws_slot slot, boost::asio::ip::tcp::socket socket,
                      std::string response_101, std::string early_bytes, upgrade_info info, std::string target,
                      std::string origin);

}  // namespace chatd::net::detail
