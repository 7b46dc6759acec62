#pragma once

// What the network edge tells whoever speaks the protocol over a WebSocket
// connection (the session actor), and why a connection ended.
// Standard library only: include it freely.

#include "transport/connection.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace chatd::net {

class ws_connection;

/// WebSocket close codes (transport/connection.hpp: the session sends them too).
namespace close_code = transport::close_code;

/// Why a connection stopped delivering frames.
enum class close_reason : std::uint8_t {
    client_closed,    ///< the peer sent a close frame; code is the peer's
    server_closed,    ///< ws_connection::close() (close_all() included); code as given
    slow_consumer,    ///< outbound queue over its byte budget: 4000 sent; or pongs nobody reads: dropped, no close frame
    binary_frame,     ///< the peer sent a binary message; 1003 sent
    message_too_big,  ///< a message over read_message_max; 1009 sent
    invalid_utf8,     ///< a text message that is not UTF-8; 1007 sent
    protocol_error,   ///< a WebSocket protocol violation; 1002 sent
    idle_timeout,     ///< the peer went silent and did not answer pings; dropped, no close frame
    read_error,       ///< the connection broke (reset, EOF without a close frame)
    write_error,      ///< writing failed
    no_session,       ///< the session factory returned nothing or threw; 1011 sent
};
inline constexpr std::size_t close_reason_count = 11;

/// A short stable name for logs and metric labels: "client_closed", "slow_consumer"...
std::string_view to_string(close_reason r) noexcept;

struct close_info {
    close_reason reason = close_reason::read_error;
    /// The close code sent or received; close_code::abnormal (1006) when no
    /// close frame was exchanged (idle timeout, broken connection).
    std::uint16_t code = close_code::abnormal;
    /// For a log line: "client closed 1000", "slow consumer",
    /// "idle timeout", "read error: Connection reset by peer".
    std::string detail;
};

/// Receives what one WebSocket connection reads. Implemented by the session
/// actor's adapter, which should only tell its actor: these calls run on
/// the connection's strand (an io thread), one at a time, never
/// concurrently with each other, and must not block.
class connection_handler {
public:
    virtual ~connection_handler() = default;

    /// One complete text message, valid UTF-8, at most read_message_max
    /// bytes. Never called after on_closed().
    virtual void on_text(std::string frame) = 0;

    /// Called exactly once, as soon as the connection stops reading: the
    /// peer closed or broke, a limit was hit, or close() was called.
    /// Frames queued afterwards are refused (send() returns false). The
    /// connection drops its reference to the handler right after this call.
    virtual void on_closed(close_info why) = 0;
};

/// Makes the handler for a connection that has just been upgraded; called
/// on that connection's strand, once per connection. The connection keeps
/// the returned handler until on_closed(); the handler may keep the
/// connection (to send and close) as long as it likes. Returning nullptr
/// (or throwing) closes the connection with 1011.
/// What the upgrade request said, for the session factory to read during
/// its call; the connection does not keep it (it is held by the thousand).
struct request_facts {
    std::string_view target;  ///< the request target, query included: "/ws?token=..."
    std::string_view origin;  ///< the Origin header, "" if none
};
using session_factory =
    std::function<std::shared_ptr<connection_handler>(std::shared_ptr<ws_connection>, const request_facts&)>;

}  // namespace chatd::net
