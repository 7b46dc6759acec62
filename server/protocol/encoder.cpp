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

// A message's fields, shared by the "message" push and each history entry.
void message_fields(json_writer& w, const message_event& m) {
    w.string_field("room", m.room);
    w.unsigned_field("seq", m.seq);
    w.string_field("from", m.from);
    w.string_field("text", m.text);
    w.signed_field("ts", m.ts);
    w.string_field("client_id", m.client_id);
}

// Room for the fixed parts of a message; the strings come on top.
constexpr std::size_t message_overhead = 96;

std::size_t message_size_hint(const message_event& m) {
    return message_overhead + m.room.size() + m.from.size() + m.text.size() + m.client_id.size();
}

}  // namespace

std::string encode(const identified_event& e) {
    json_writer w;
    start_frame(w, "identified", e.id);
    w.string_field("user", e.user);
    w.bool_field("guest", e.guest);
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
    start_frame(w, "message");
    message_fields(w, e);
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
        message_fields(w, m);
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
        message_fields(w, *it);
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

