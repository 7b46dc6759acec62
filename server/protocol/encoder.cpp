#include "protocol/encoder.hpp"

#include "protocol/json_writer.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace chatd::protocol {

namespace {

// The fixed start of every frame: {"type":"...", then "id" if there is one.
void start_frame(json_writer& w, std::string_view type) {
    w.begin_object();
    w.string_field("type", type);
}

void start_frame(json_writer& w, std::string_view type, const request_id& id) {
    start_frame(w, type);
    if (const auto* n = std::get_if<std::uint64_t>(&id)) {
        w.unsigned_field("id", *n);
    } else if (const auto* s = std::get_if<std::string>(&id)) {
        w.string_field("id", *s);
    }
}

std::string end_frame(json_writer& w) {
    w.end_object();
    return std::move(w).take();
}

// A line's fields, shared by the "message" push and each history entry.
// What is unset is left out, so a plain line is what it always was.
void line_fields(json_writer& w, const message_event& m) {
    w.string_field("room", m.room);
    w.unsigned_field("seq", m.seq);
    w.string_field("from", m.from);
    w.string_field("text", m.text);
    w.signed_field("ts", m.ts);
    w.string_field("client_id", m.client_id);
    if (m.edited) w.bool_field("edited", true);
    if (m.deleted) w.bool_field("deleted", true);
    if (!m.reactions.empty()) {
        w.key("reactions");
        w.begin_array();
        for (const reaction& r : m.reactions) {
            w.begin_object();
            w.string_field("emoji", r.emoji);
            w.key("users");
            w.begin_array();
            for (const auto& u : r.users) w.string(u);
            w.end_array();
            w.end_object();
        }
        w.end_array();
    }
}

// Any other log entry's fields: the common ones, then those of its kind.
void event_fields(json_writer& w, const message_event& m) {
    w.string_field("room", m.room);
    w.unsigned_field("seq", m.seq);
    w.string_field("kind", to_string(m.kind));
    w.string_field("from", m.from);
    w.signed_field("ts", m.ts);
    w.string_field("client_id", m.client_id);
    switch (m.kind) {
        case event_kind::edit:
        case event_kind::react:
        case event_kind::unreact:
            w.unsigned_field("target", m.target);
            w.string_field("text", m.text);
            break;
        case event_kind::delete_line:
            w.unsigned_field("target", m.target);
            break;
        case event_kind::member:
            w.string_field("user", m.user);
            w.string_field("action", to_string(m.action));
            if (m.role) w.string_field("role", to_string(*m.role));
            if (m.until != 0) w.unsigned_field("until", m.until);
            break;
        case event_kind::topic:
            w.string_field("text", m.text);
            break;
        case event_kind::line:
            break;
    }
}

void entry_fields(json_writer& w, const message_event& m) {
    if (m.kind == event_kind::line) {
        line_fields(w, m);
    } else {
        event_fields(w, m);
    }
}

// Room for the fixed parts of a message; the strings come on top.
constexpr std::size_t message_overhead = 96;

std::size_t message_size_hint(const message_event& m) {
    std::size_t hint = message_overhead + m.room.size() + m.from.size() + m.text.size() + m.client_id.size();
    if (m.kind != event_kind::line) return hint + 96 + m.user.size();
    for (const reaction& r : m.reactions) {
        hint += 32 + r.emoji.size();
        for (const auto& u : r.users) hint += u.size() + 3;
    }
    return hint;
}

void member_list(json_writer& w, std::span<const member_entry> members) {
    w.key("members");
    w.begin_array();
    for (const member_entry& m : members) {
        w.begin_object();
        w.string_field("user", m.user);
        w.string_field("role", to_string(m.role));
        if (m.muted) {
            w.bool_field("muted", true);
            if (m.muted_until != 0) w.unsigned_field("muted_until", m.muted_until);
        }
        w.end_object();
    }
    w.end_array();
}

// A read marker's fields, shared by the read_ok reply and the marker push.
void marker_fields(json_writer& w, const marker_event& m) {
    w.string_field("room", m.room);
    w.unsigned_field("seq", m.seq);
    w.unsigned_field("unread", m.unread);
    w.unsigned_field("mentions", m.mentions);
}

std::size_t member_list_hint(std::span<const member_entry> members) {
    std::size_t hint = 0;
    for (const member_entry& m : members) hint += m.user.size() + 64;
    return hint;
}

}  // namespace

std::string encode(const identified_event& e) {
    json_writer w;
    start_frame(w, "identified", e.id);
    w.string_field("user", e.user);
    w.bool_field("guest", e.guest);
    if (e.rooms) {
        w.key("rooms");
        w.begin_array();
        for (const room_summary& r : *e.rooms) {
            w.begin_object();
            w.string_field("room", r.room);
            w.string_field("kind", to_string(r.kind));
            w.string_field("topic", r.topic);
            w.unsigned_field("last_seq", r.last_seq);
            w.unsigned_field("read", r.read);
            w.unsigned_field("unread", r.unread);
            w.unsigned_field("mentions", r.mentions);
            w.end_object();
        }
        w.end_array();
    }
    return end_frame(w);
}

std::string encode(const joined_event& e) {
    std::size_t hint = 128 + e.room.size();
    for (const auto& m : e.members) hint += m.size() + 3;
    json_writer w(hint);
    start_frame(w, "joined", e.id);
    w.string_field("room", e.room);
    w.key("members");
    w.begin_array();
    for (const auto& m : e.members) w.string(m);
    w.end_array();
    w.unsigned_field("last_seq", e.last_seq);
    w.unsigned_field("member_count", e.member_count);
    if (e.kind) w.string_field("kind", to_string(*e.kind));
    if (e.topic) w.string_field("topic", *e.topic);
    if (e.role) w.string_field("role", to_string(*e.role));
    if (e.read) w.unsigned_field("read", *e.read);
    if (e.unread) w.unsigned_field("unread", *e.unread);
    if (e.mentions) w.unsigned_field("mentions", *e.mentions);
    return end_frame(w);
}

std::string encode(const room_event& e) {
    json_writer w(128 + e.room.size() + e.topic.size() + member_list_hint(e.members));
    start_frame(w, "room", e.id);
    w.string_field("room", e.room);
    w.string_field("kind", to_string(e.kind));
    w.string_field("topic", e.topic);
    w.string_field("role", to_string(e.role));
    member_list(w, e.members);
    return end_frame(w);
}

std::string encode(const members_event& e) {
    json_writer w(96 + e.room.size() + member_list_hint(e.members));
    start_frame(w, "members", e.id);
    w.string_field("room", e.room);
    member_list(w, e.members);
    return end_frame(w);
}

std::string encode(const read_ok_event& e) {
    json_writer w;
    start_frame(w, "read_ok", e.id);
    marker_fields(w, marker_event{.room = e.room, .seq = e.seq, .unread = e.unread, .mentions = e.mentions});
    return end_frame(w);
}

std::string encode(const marker_event& e) {
    json_writer w;
    start_frame(w, "marker");
    marker_fields(w, e);
    return end_frame(w);
}

std::string encode(const removed_event& e) {
    json_writer w;
    start_frame(w, "removed");
    w.string_field("room", e.room);
    w.string_field("reason", to_string(e.reason));
    return end_frame(w);
}

std::string encode(const room_added_event& e) {
    json_writer w(128 + e.room.size() + e.topic.size() + e.by.size());
    start_frame(w, "room_added");
    w.string_field("room", e.room);
    w.string_field("kind", to_string(e.kind));
    w.string_field("topic", e.topic);
    w.string_field("role", to_string(e.role));
    w.string_field("by", e.by);
    w.unsigned_field("last_seq", e.last_seq);
    return end_frame(w);
}

std::string encode(const replay_done_event& e) {
    json_writer w;
    start_frame(w, "replay_done");
    w.string_field("room", e.room);
    w.bool_field("complete", e.complete);
    w.unsigned_field("through", e.through);
    return end_frame(w);
}

std::string encode(const left_event& e) {
    json_writer w;
    start_frame(w, "left", e.id);
    w.string_field("room", e.room);
    return end_frame(w);
}

std::string encode(const message_event& e) {
    json_writer w(message_size_hint(e));
    if (e.kind == event_kind::line) {
        start_frame(w, "message");
        line_fields(w, e);
    } else {
        start_frame(w, "event");
        event_fields(w, e);
    }
    return end_frame(w);
}

std::string encode(const ack_event& e) {
    json_writer w;
    start_frame(w, "ack", e.id);
    w.string_field("room", e.room);
    w.string_field("client_id", e.client_id);
    w.unsigned_field("seq", e.seq);
    w.signed_field("ts", e.ts);
    return end_frame(w);
}

std::string encode(const history_event& e) {
    std::size_t hint = 128 + e.room.size();
    for (const auto& m : e.messages) hint += message_size_hint(m);
    json_writer w(hint);
    start_frame(w, "history", e.id);
    w.string_field("room", e.room);
    w.key("messages");
    w.begin_array();
    for (const auto& m : e.messages) {
        w.begin_object();
        entry_fields(w, m);
        w.end_object();
    }
    w.end_array();
    w.bool_field("has_more", e.has_more);
    return end_frame(w);
}

std::string encode(const history_event& e, std::size_t max_bytes) {
    history_event page = e;
    page.messages = {};
    page.has_more = false;  // "false" is the longer
    std::size_t size = encode(page).size();
    std::size_t keep = 0;
    for (auto it = e.messages.rbegin(); it != e.messages.rend(); ++it) {
        json_writer w(message_size_hint(*it));
        w.begin_object();
        entry_fields(w, *it);
        w.end_object();
        const std::size_t entry = w.view().size() + (keep > 0 ? 1 : 0);  // and its comma
        if (keep > 0 && size + entry > max_bytes) break;
        size += entry;
        ++keep;
    }
    page.messages = e.messages.last(keep);
    page.has_more = e.has_more || keep < e.messages.size();
    return encode(page);
}

std::string encode(const presence_event& e) {
    json_writer w;
    start_frame(w, "presence");
    w.string_field("room", e.room);
    w.string_field("user", e.user);
    w.string_field("event", to_string(e.event));
    return end_frame(w);
}

std::string encode(const typing_event& e) {
    json_writer w;
    start_frame(w, "typing");
    w.string_field("room", e.room);
    w.string_field("user", e.user);
    return end_frame(w);
}

std::string encode(const pong_event& e) {
    json_writer w(32);
    start_frame(w, "pong", e.id);
    return end_frame(w);
}

std::string encode(const error_event& e) {
    json_writer w;
    start_frame(w, "error", e.id);
    w.string_field("code", to_string(e.code));
    w.string_field("message", e.message);
    return end_frame(w);
}

std::string encode(const decode_error& e) {
    return encode(error_event{.id = e.id, .code = e.code, .message = e.message});
}

}  // namespace chatd::protocol

