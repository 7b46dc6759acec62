#pragma once

#include "protocol/error_code.hpp"
#include "protocol/request_id.hpp"
#include "protocol/vocabulary.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace chatd::protocol {

// What the server tells a client: the arguments of one encode() call each
// (encoder.hpp). They are views into the caller's data, valid for that call
// only: build one, encode it, drop it. What crosses a mailbox is the encoded
// std::string (or the caller's own owning struct), never one of these.
// Field names match the wire; docs/protocol.md has the meaning of each.

/// One room the user is a member of, in identified's "rooms".
struct room_summary {
    std::string_view room;
    room_kind kind = room_kind::public_room;
    std::string_view topic;
    std::uint64_t last_seq = 0;  ///< the room's newest seq
    std::uint64_t read = 0;      ///< the user's read marker (0: nothing read)
    std::uint64_t unread = 0;    ///< lines after the marker from others, not deleted
    std::uint64_t mentions = 0;  ///< those of them that mention the user
};

/// Reply to identify.
struct identified_event {
    request_id id;
    std::string_view user;  ///< the name the server gave this connection
    bool guest = false;
    /// The rooms the user is a member of; unset: "rooms" is omitted.
    std::optional<std::span<const room_summary>> rooms;
};

/// Reply to join. The optional fields are omitted when unset.
struct joined_event {
    request_id id;
    std::string_view room;
    std::span<const std::string> members;  ///< user names now in the room, the joiner included
    std::uint64_t last_seq = 0;            ///< the room's newest seq at the join (0: none yet)
    std::uint64_t member_count = 0;        ///< users in the room, the joiner included (members may list fewer)
    std::optional<room_kind> kind;
    std::optional<std::string_view> topic;
    std::optional<member_role> role;  ///< the joiner's role; unset when it is not a member
    std::optional<std::uint64_t> read;
    std::optional<std::uint64_t> unread;
    std::optional<std::uint64_t> mentions;
};

/// One member in a `room` or `members` reply.
struct member_entry {
    std::string_view user;
    member_role role = member_role::member;
    bool muted = false;
    std::uint64_t muted_until = 0;  ///< when muted: ms since the epoch it ends; 0 = no end (omitted)
};

/// Reply to create_room and open_direct: the room, as the caller now holds it.
struct room_event {
    request_id id;
    std::string_view room;
    room_kind kind = room_kind::public_room;
    std::string_view topic;
    member_role role = member_role::member;  ///< the caller's
    std::span<const member_entry> members;
};

/// Reply to members.
struct members_event {
    request_id id;
    std::string_view room;
    std::span<const member_entry> members;
};

/// Reply to read, and (as "marker", with no id) pushed to the user's other
/// connections when its marker moves.
struct read_ok_event {
    request_id id;
    std::string_view room;
    std::uint64_t seq = 0;  ///< the marker now (never lower than before)
    std::uint64_t unread = 0;
    std::uint64_t mentions = 0;
};

/// Pushed to a user's other connections when it reads a room.
struct marker_event {
    std::string_view room;
    std::uint64_t seq = 0;
    std::uint64_t unread = 0;
    std::uint64_t mentions = 0;
};

/// Pushed to a user taken out of a room (removed, banned, or given up on
/// another of its connections); its connections are no longer subscribed
/// to the room.
struct removed_event {
    std::string_view room;
    removal_reason reason = removal_reason::removed;
};

/// Pushed to every connection of a user made a member of a room by someone
/// else, or by another of its connections (an invite, the HTTP API, a
/// direct room another user opened, a room it created elsewhere), so its
/// room list shows the room at once.
struct room_added_event {
    std::string_view room;
    room_kind kind = room_kind::public_room;
    std::string_view topic;
    member_role role = member_role::member;  ///< the user's
    std::string_view by;                     ///< who added it ("system" for the HTTP API)
    std::uint64_t last_seq = 0;
};

/// Ends the replay that a join with "since" asked for.
struct replay_done_event {
    std::string_view room;
    bool complete = true;      ///< false: some messages after "since" were not replayed
    std::uint64_t through = 0; ///< the replay covered seq up to here; live messages follow
};

/// Reply to leave.
struct left_event {
    request_id id;
    std::string_view room;
};

/// The users who reacted to a line with one emoji.
struct reaction {
    std::string_view emoji;
    std::span<const std::string> users;
};

/// One entry of a room's log: pushed live and in replays, and an element of
/// history. A line (kind line) is a "message" frame, exactly as before the
/// log had other kinds, plus "edited", "deleted" and "reactions" when set.
/// Any other kind is an "event" frame with "kind" and the fields that kind
/// has: edit (target, text), delete (target), react and unreact (target,
/// text = the emoji), member (user, action, role when set, until when not
/// 0), topic (text).
struct message_event {
    std::string_view room;
    std::uint64_t seq = 0;
    std::string_view from;  ///< the sender's user name (of an event: the acting user)
    std::string_view text;
    std::int64_t ts = 0;    ///< server time the room accepted it, ms since the Unix epoch
    std::string_view client_id;
    // Lines only.
    bool edited = false;                  ///< text is an edit's (edited_ms is set)
    bool deleted = false;                 ///< a tombstone: text is ""
    std::span<const reaction> reactions;  ///< the current reactions, each emoji once
    // Other kinds.
    event_kind kind = event_kind::line;
    std::uint64_t target = 0;          ///< edit, delete, react, unreact: the line's seq
    std::string_view user;             ///< member: the subject
    member_action action = member_action::join;  ///< member
    std::optional<member_role> role;   ///< member: with join, invite and role
    std::uint64_t until = 0;           ///< member ban, mute: ms since the epoch it ends; 0 = no end
};

/// Reply to send, once the line is committed to storage.
struct ack_event {
    request_id id;
    std::string_view room;
    std::string_view client_id;
    std::uint64_t seq = 0;
    std::int64_t ts = 0;
};

/// Reply to history.
struct history_event {
    request_id id;
    std::string_view room;
    std::span<const message_event> messages;  ///< oldest first
    bool has_more = false;                    ///< older messages exist before messages[0]
};

enum class presence_kind : std::uint8_t { join, leave };

/// Pushed to a room's members when a user enters or leaves it.
struct presence_event {
    std::string_view room;
    std::string_view user;
    presence_kind event = presence_kind::join;
};

/// Pushed to a room's other members when a user is typing.
struct typing_event {
    std::string_view room;
    std::string_view user;
};

/// Reply to ping.
struct pong_event {
    request_id id;
};

/// Reply to any request that failed; "id" is omitted when unknown.
struct error_event {
    request_id id;
    error_code code = error_code::internal;
    std::string_view message;  ///< for humans; clients act on code
};

}  // namespace chatd::protocol
