#pragma once

#include "protocol/limits.hpp"
#include "protocol/request_id.hpp"
#include "protocol/vocabulary.hpp"

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chatd::protocol {

// What a client may ask, as the decoder hands it over: every field already
// checked against the protocol's rules (docs/protocol.md), so the server
// never re-validates wire syntax. Plain values that own their strings: safe
// to move into actor messages.

/// {"type":"identify","name":...} or {"type":"identify","token":...}.
/// Exactly one of name and token is non-empty.
struct identify_request {
    std::string name;   ///< a guest's requested name: trimmed, 1-32 bytes of printable UTF-8
    std::string token;  ///< a JWT, 1-8192 bytes of printable ASCII; not verified here
    bool guest() const noexcept { return token.empty(); }
};

/// {"type":"join","room":...,"since":...}
struct join_request {
    std::string room;                    ///< a valid room name (see is_valid_room_name)
    std::optional<std::uint64_t> since;  ///< last seq the client saw; set = replay what came after
};

/// {"type":"leave","room":...,"forget":...}
struct leave_request {
    std::string room;
    bool forget = false;  ///< also give up membership (not only unsubscribe)
};

/// {"type":"send","room":...,"text":...,"client_id":...}
struct send_request {
    std::string room;
    std::string text;       ///< 1..max_text_bytes bytes of valid UTF-8, as sent (not trimmed)
    std::string client_id;  ///< 1-64 bytes of [A-Za-z0-9_.:-]; the client's dedupe key
};

/// {"type":"history","room":...,"before":...,"limit":...}
struct history_request {
    std::string room;
    std::optional<std::uint64_t> before;          ///< only seq < before; unset = the newest
    std::uint32_t limit = default_history_limit;  ///< 1..max_history_limit
};

/// {"type":"typing","room":...}
struct typing_request {
    std::string room;
};

/// {"type":"ping"}
struct ping_request {};

// The requests below are decoded only with limits::product_requests on.

/// {"type":"create_room","kind":...,"room":...,"topic":...}
struct create_room_request {
    room_kind kind = room_kind::public_room;  ///< public_room or private_room, never direct
    std::string room;   ///< public: a public room name (is_public_room_name); private: empty, the server picks
    std::string topic;  ///< 0..max_topic_bytes, see is_valid_topic; "" when absent
};

/// {"type":"open_direct","users":[...]}
struct open_direct_request {
    /// 1..max_direct_users distinct user ids (is_valid_user_id), in the
    /// client's order, with or without the caller: the session adds it.
    std::vector<std::string> users;
};

/// {"type":"members","room":...}
struct members_request {
    std::string room;
};

/// invite, remove, ban, unban, mute, unmute and set_role: one shape,
/// {"type":...,"room":...,"user":...,"client_id":...}, with "until" for ban
/// and mute and "role" for set_role. `action` says which (type_name gives
/// the wire type); it maps one to one to the `member` log event it asks for.
struct member_change_request {
    member_action action = member_action::invite;  ///< invite, remove, ban, unban, mute, unmute or role; never join/leave
    std::string room;
    std::string user;  ///< the subject: a user id (is_valid_user_id)
    std::uint64_t until = 0;  ///< ban, mute: ms since the epoch it ends, 1..max_safe_integer; 0 = forever (absent)
    member_role role = member_role::member;  ///< set_role: the new role; otherwise member
    std::string client_id;
};

/// {"type":"set_topic","room":...,"topic":...,"client_id":...}
struct set_topic_request {
    std::string room;
    std::string topic;  ///< 0..max_topic_bytes, see is_valid_topic; "" clears it
    std::string client_id;
};

/// edit, delete, react and unreact: {"type":...,"room":...,"seq":...,"client_id":...}
/// with "text" for edit and "emoji" for react and unreact. `kind` says which
/// (type_name gives the wire type), and is the kind of the log event it asks for.
struct line_change_request {
    event_kind kind = event_kind::edit;  ///< edit, delete_line, react or unreact
    std::string room;
    std::uint64_t seq = 0;  ///< the target line, 1..max_safe_integer
    /// edit: the new text, as send.text; react, unreact: the emoji
    /// (is_valid_emoji); delete: empty.
    std::string text;
    std::string client_id;
};

/// {"type":"read","room":...,"seq":...}
struct read_request {
    std::string room;
    std::uint64_t seq = 0;  ///< 0..max_safe_integer; the marker never moves back
};

using request_body = std::variant<identify_request, join_request, leave_request, send_request, history_request,
                                  typing_request, ping_request, create_room_request, open_direct_request,
                                  members_request, member_change_request, set_topic_request, line_change_request,
                                  read_request>;

/// One decoded request: its id and what it asks.
struct request {
    request_id id;
    request_body body;
};

/// The wire "type" of a member change. Pure; any thread.
constexpr std::string_view type_name(member_action a) noexcept {
    return a == member_action::role ? std::string_view("set_role") : to_string(a);
}

/// The wire "type" of a line change. Pure; any thread.
constexpr std::string_view type_name(event_kind k) noexcept { return to_string(k); }

/// The wire "type" of a request body, for logs and metrics. Pure; any thread.
constexpr std::string_view type_name(const request_body& body) noexcept {
    if (const auto* m = std::get_if<member_change_request>(&body)) return type_name(m->action);
    if (const auto* l = std::get_if<line_change_request>(&body)) return type_name(l->kind);
    constexpr std::string_view names[] = {"identify", "join",        "leave",   "send",          "history",
                                          "typing",   "ping",        "create_room", "open_direct", "members",
                                          "",         "set_topic",   "",        "read"};
    static_assert(std::size(names) == std::variant_size_v<request_body>);
    return names[body.index()];
}

}  // namespace chatd::protocol
