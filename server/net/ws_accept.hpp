#pragma once

// Internal to net/: hands an HTTP connection whose request asked for a
// WebSocket upgrade over to a new ws_connection. Names Beast types: include
// it only from net/*.cpp files that already use Beast.

#include <utility>  // before Boost: see ENVIRONMENT.md

#include "net/server_state.hpp"
#include "net/ws_connection.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>

namespace chatd::net::detail {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;

/// Runs the handshake on `stream`'s strand; on success makes the
/// connection's handler with the session factory and starts reading. The
/// slot is released when the connection ends (or the handshake fails).
void accept_websocket(std::shared_ptr<server_state> state, ws_slot slot, boost::beast::tcp_stream stream,
                      upgrade_request request, upgrade_info info);

}  // namespace chatd::net::detail
