#include "chat/wire_event.hpp"

namespace chatd::chat {

protocol::message_event wire_event(std::string_view room, const storage::stored_message& row,
                                   std::vector<protocol::reaction>& reactions) {
    protocol::message_event e{room, row.seq, row.sender, row.text, row.ts_ms, row.client_id};
    e.kind = row.kind;
    if (row.kind == storage::event_kind::line) {
        e.edited = row.edited_ms != 0;
        e.deleted = row.deleted;
        reactions.clear();
        for (const auto& r : row.reactions) reactions.push_back(protocol::reaction{r.emoji, r.users});
        e.reactions = reactions;
        return e;
    }
    e.target = row.target;
    e.user = row.subject;
    e.action = row.action;
    using ma = storage::member_action;
    // A role means something with these actions only.
    if (row.kind == storage::event_kind::member &&
        (row.action == ma::join || row.action == ma::invite || row.action == ma::role))
        e.role = row.role;
    e.until = static_cast<std::uint64_t>(row.until_ms);
    return e;
}

}  // namespace chatd::chat
