#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chatd::protocol {

// The protocol's enumerations of rooms, roles and log events, with their wire
// names (docs/protocol.md). Requests and events both use them; the server
// keeps them in its own messages. All pure; any thread.

/// What kind of room: who may see and join it.
enum class room_kind : std::uint8_t {
    public_room,   ///< "public": anyone may join; a join of a new name creates it
    private_room,  ///< "private": members only; the server picks the name
    direct,        ///< "direct": 2-8 users, one room per set of users
};

/// A member's role in one room.
enum class member_role : std::uint8_t { owner, admin, member };

/// The kind of one entry of a room's log. Lines are pushed as "message",
/// every other kind as "event".
enum class event_kind : std::uint8_t { line, edit, delete_line, react, unreact, member, topic };

/// What a `member` log event did to its subject (its "action").
enum class member_action : std::uint8_t { join, leave, invite, remove, ban, unban, mute, unmute, role };

/// Why a user was taken out of a room (the "reason" of a `removed` push):
/// by another (removed, banned) or by itself (left: a `leave` with `forget`
/// on another of its connections).
enum class removal_reason : std::uint8_t { removed, banned, left };

constexpr std::string_view to_string(room_kind k) noexcept {
    switch (k) {
        case room_kind::public_room: return "public";
        case room_kind::private_room: return "private";
        case room_kind::direct: return "direct";
    }
    return "public";
}

constexpr std::string_view to_string(member_role r) noexcept {
    switch (r) {
        case member_role::owner: return "owner";
        case member_role::admin: return "admin";
        case member_role::member: return "member";
    }
    return "member";
}

constexpr std::string_view to_string(event_kind k) noexcept {
    switch (k) {
        case event_kind::line: return "line";
        case event_kind::edit: return "edit";
        case event_kind::delete_line: return "delete";
        case event_kind::react: return "react";
        case event_kind::unreact: return "unreact";
        case event_kind::member: return "member";
        case event_kind::topic: return "topic";
    }
    return "line";
}

constexpr std::string_view to_string(member_action a) noexcept {
    switch (a) {
        case member_action::join: return "join";
        case member_action::leave: return "leave";
        case member_action::invite: return "invite";
        case member_action::remove: return "remove";
        case member_action::ban: return "ban";
        case member_action::unban: return "unban";
        case member_action::mute: return "mute";
        case member_action::unmute: return "unmute";
        case member_action::role: return "role";
    }
    return "join";
}

constexpr std::string_view to_string(removal_reason r) noexcept {
    switch (r) {
        case removal_reason::removed: return "removed";
        case removal_reason::banned: return "banned";
        case removal_reason::left: return "left";
    }
    return "removed";
}

/// The room kind with that wire name.
constexpr std::optional<room_kind> room_kind_from_string(std::string_view s) noexcept {
    for (const room_kind k : {room_kind::public_room, room_kind::private_room, room_kind::direct}) {
        if (to_string(k) == s) return k;
    }
    return std::nullopt;
}

/// The role with that wire name.
constexpr std::optional<member_role> member_role_from_string(std::string_view s) noexcept {
    for (const member_role r : {member_role::owner, member_role::admin, member_role::member}) {
        if (to_string(r) == s) return r;
    }
    return std::nullopt;
}

/// The log event kind with that wire name.
constexpr std::optional<event_kind> event_kind_from_string(std::string_view s) noexcept {
    for (const event_kind k : {event_kind::line, event_kind::edit, event_kind::delete_line, event_kind::react,
                               event_kind::unreact, event_kind::member, event_kind::topic}) {
        if (to_string(k) == s) return k;
    }
    return std::nullopt;
}

/// The member action with that wire name.
constexpr std::optional<member_action> member_action_from_string(std::string_view s) noexcept {
    for (const member_action a : {member_action::join, member_action::leave, member_action::invite,
                                  member_action::remove, member_action::ban, member_action::unban,
                                  member_action::mute, member_action::unmute, member_action::role}) {
        if (to_string(a) == s) return a;
    }
    return std::nullopt;
}

/// How much a role may do: an owner outranks an admin, an admin a member.
/// Moderation acts only on a lower rank.
constexpr int rank(member_role r) noexcept {
    switch (r) {
        case member_role::owner: return 2;
        case member_role::admin: return 1;
        case member_role::member: return 0;
    }
    return 0;
}

}  // namespace chatd::protocol
