#include "session/history_reply.hpp"

#include "chat/wire_event.hpp"
#include "protocol/encoder.hpp"
#include "protocol/events.hpp"

#include <vector>

namespace chatd::session {

std::string encode_history(const protocol::request_id& id, std::string_view room, const storage::read_result& page,
                           std::size_t max_bytes) {
    std::vector<protocol::message_event> events;
    events.reserve(page.rows.messages.size());
    // Each line's reactions in a vector of its own, which the event points into.
    std::vector<std::vector<protocol::reaction>> reactions(page.rows.messages.size());
    for (std::size_t i = 0; i < page.rows.messages.size(); ++i)
        events.push_back(chat::wire_event(room, page.rows.messages[i], reactions[i]));
    // Paged by bytes as well as lines: 50 lines of control characters
    // escape to ~6x their size and would pass the outbound budget.
    // One line always fits: at most max_text_bytes * 6 (each byte
    // as \u00XX) plus ~300 bytes of names, ids and keys, about 24.3 KB
    // at the default 4096, a tenth of the default 256 KiB.
    return protocol::encode(protocol::history_event{id, room, events, page.rows.has_more}, max_bytes);
}

}  // namespace chatd::session
