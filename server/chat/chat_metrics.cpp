#include "chat/chat_metrics.hpp"

#include "metrics/registry.hpp"

#include <string>

namespace chatd::chat {

chat_metrics chat_metrics::registered_in(metrics::registry& r) {
    chat_metrics m;
    m.received = &r.add_counter("chatd_messages_received_total", "Chat lines accepted from clients");
    m.delivered = &r.add_counter("chatd_messages_delivered_total", "Chat lines pushed to members, one per member");
    m.acks = &r.add_counter("chatd_acks_total", "Acks sent: lines on disk");
    m.rooms = &r.add_gauge("chatd_rooms", "Rooms running");
    for (std::size_t i = 0; i < protocol::all_error_codes.size(); ++i)
        m.rejected[i] = &r.add_counter("chatd_rejected_total", "Error replies, by code",
                                       {{"code", std::string(protocol::to_string(protocol::all_error_codes[i]))}});
    return m;
}

}  // namespace chatd::chat
