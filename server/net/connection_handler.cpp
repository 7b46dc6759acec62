#include "net/connection_handler.hpp"

namespace chatd::net {

std::string_view to_string(close_reason r) noexcept {
    switch (r) {
        case close_reason::client_closed: return "client_closed";
        case close_reason::server_closed: return "server_closed";
        case close_reason::slow_consumer: return "slow_consumer";
        case close_reason::binary_frame: return "binary_frame";
        case close_reason::message_too_big: return "message_too_big";
        case close_reason::invalid_utf8: return "invalid_utf8";
        case close_reason::protocol_error: return "protocol_error";
        case close_reason::idle_timeout: return "idle_timeout";
        case close_reason::read_error: return "read_error";
        case close_reason::write_error: return "write_error";
        case close_reason::no_session: return "no_session";
    }
    return "unknown";
}

}  // namespace chatd::net
