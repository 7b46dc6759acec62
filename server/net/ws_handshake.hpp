#pragma once

// The server's half of the WebSocket opening handshake (RFC 6455 4.2): what
// a valid upgrade request must carry beyond Beast's is_upgrade(), and the
// 101 response that accepts it. Standard library only in this header.

#include <optional>
#include <string>
#include <string_view>

namespace chatd::net {

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64 of the
/// SHA-1 of the key and the RFC's GUID. Pure; any thread.
std::string ws_accept_key(std::string_view client_key);

/// Why an upgrade request cannot be accepted, or nothing if it can:
/// a Sec-WebSocket-Key that is not 16 bytes in base64 ("bad key"), or a
/// Sec-WebSocket-Version other than 13 ("unsupported version", answered
/// with 426 and "Sec-WebSocket-Version: 13"). Pure; any thread.
std::optional<std::string_view> ws_upgrade_problem(std::string_view key, std::string_view version);

/// The whole 101 Switching Protocols response for `client_key`. Pure; any thread.
std::string ws_switching_response(std::string_view client_key);

}  // namespace chatd::net
