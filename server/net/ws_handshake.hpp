#pragma once

// The server's half of the WebSocket opening handshake (RFC 6455 4.2): what
// a valid upgrade request must carry beyond Beast's is_upgrade(), and the
// 101 response that accepts it. Standard library only in this header.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::net {

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64 of the
/// SHA-1 of the key and the RFC's GUID. Pure; any thread.
std::string ws_accept_key(std::string_view client_key);

/// Why an upgrade request cannot be accepted.
enum class upgrade_problem : std::uint8_t {
    bad_key,              ///< Sec-WebSocket-Key is not 16 bytes in base64: 400
    unsupported_version,  ///< Sec-WebSocket-Version is not 13: 426 with "Sec-WebSocket-Version: 13"
};
/// "bad key", "unsupported version": for the log.
std::string_view to_string(upgrade_problem p) noexcept;

/// Why an upgrade request cannot be accepted, or nothing if it can. Pure;
/// any thread.
std::optional<upgrade_problem> ws_upgrade_problem(std::string_view key, std::string_view version);

/// The whole 101 Switching Protocols response for `client_key`. Pure; any thread.
std::string ws_switching_response(std::string_view client_key);

}  // namespace chatd::net
