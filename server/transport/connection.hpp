#pragma once

// What a session needs from the connection it speaks over, and nothing
// more: send a text frame, close with a code, say who it is. net's
// ws_connection implements it; session tests use a fake. Standard library
// only, so the session layer never sees Beast or Asio.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace chatd::transport {

/// WebSocket close codes the edge sends or reports (docs/protocol.md).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
/// Never sent: reported when the connection ended without a close frame.
inline constexpr std::uint16_t abnormal = 1006;
inline constexpr std::uint16_t invalid_payload = 1007;
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t slow_consumer = 4000;
inline constexpr std::uint16_t idle_timeout = 4001;
/// The same code: the connection's token expired (idle timeouts send none).
inline constexpr std::uint16_t token_expired = 4001;
inline constexpr std::uint16_t rate_limit_abuse = 4002;
/// The app's backend disconnected the user (DELETE /api/v1/users/{user}/connections).
inline constexpr std::uint16_t disconnected = 4003;
}  // namespace close_code

/// One client connection as its session sees it. Implementations must make
/// every member thread-safe: a session calls them from its own turn, on any
/// thread.
class connection {
public:
    virtual ~connection() = default;

    /// Queues a text frame; the same pointer may go to many connections.
    /// False, and the frame is dropped, if the connection is closing or
    /// closed (or is being closed because the frame would overflow it).
    virtual bool send(std::shared_ptr<const std::string> frame) = 0;

    /// Starts a close: frames already queued are written, then the close
    /// frame with `code` and `reason`. Idempotent: only the first counts.
    virtual void close(std::uint16_t code, std::string reason) = 0;

    /// Unique in this process, for logs.
    virtual std::uint64_t id() const noexcept = 0;
    /// The peer's address, "127.0.0.1:52144", for logs.
    virtual std::string_view remote() const noexcept = 0;
};

}  // namespace chatd::transport
