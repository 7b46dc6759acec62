#pragma once

// The rows the message store reads and writes: plain values, no rooms, no
// JSON, no SQLite (chat/ and session/ include this file). Sequence numbers
// are per room and start at 1; 0 means "none". Times are ms since the Unix
// epoch.

#include "protocol/vocabulary.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::storage {

// ---- names ------------------------------------------------------------------
// The wire's names are the database's: one vocabulary (room kinds, roles,
// log event kinds and member actions, with to_string and *_from_string),
// protocol/vocabulary.hpp, the one protocol header storage may include (it
// needs only the standard library).

using protocol::event_kind;
using protocol::member_action;
using protocol::member_role;
using protocol::room_kind;

/// A ban or mute with no end (until lifted): members rows hold this for an
/// event's until_ms of 0.
inline constexpr std::int64_t forever_ms = std::numeric_limits<std::int64_t>::max();

/// True when a ban or mute ending at `until` (0: none) is in force at `now_ms`.
/// An expired sanction is as good as none: nothing needs to lift it.
constexpr bool in_force(std::int64_t until, std::int64_t now_ms) noexcept { return until > now_ms; }

// ---- the log ----------------------------------------------------------------

/// An event to store. The store assigns its sequence number. room, sender
/// and client_id must not be empty; client_id is the sender's own id for the
/// event, so a resent one is recognised as a duplicate. Which other fields
/// count depends on kind (see event_kind); the others are ignored.
struct new_message {
    std::string room;
    std::string sender;
    std::string client_id;
    std::string text;        ///< line, edit: the text; react, unreact: the emoji; topic: the topic
    std::int64_t ts_ms = 0;  ///< when the server received it
    event_kind kind = event_kind::line;
    std::uint64_t target = 0;  ///< edit, delete_line, react, unreact: the seq of a line of this room (> 0)
    std::string subject;       ///< member: the user it is about (not empty)
    member_action action = member_action::join;  ///< member
    member_role role = member_role::member;      ///< member: join, invite, role
    std::int64_t until_ms = 0;                   ///< member: ban, mute; 0 = until lifted
    /// line, edit: the users the text mentions (filled by the room actor).
    /// The sender itself is left out; an edit replaces its line's mentions.
    std::vector<std::string> mentions;
};

/// True when m has what its kind needs (the writer refuses the rest alone,
/// as the store would fail a whole batch for one of them).
inline bool well_formed(const new_message& m) noexcept {
    if (m.room.empty() || m.sender.empty() || m.client_id.empty()) return false;
    switch (m.kind) {
    case event_kind::react:
    case event_kind::unreact:
        if (m.text.empty()) return false;  // the emoji
        [[fallthrough]];
    case event_kind::edit:
    case event_kind::delete_line: return m.target != 0 && m.target <= static_cast<std::uint64_t>(forever_ms);
    case event_kind::member: return !m.subject.empty() && m.until_ms >= 0;
    case event_kind::line:
    case event_kind::topic: return true;
    }
    return false;
}

enum class append_status : std::uint8_t {
    stored,     ///< written now, with a new sequence number
    duplicate,  ///< (room, sender, client_id) was already stored; nothing written
    rejected,   ///< refused by a target rule (see reject_reason); nothing written, no seq used
};

/// Why an event was rejected.
enum class reject_reason : std::uint8_t {
    none,
    not_found,  ///< target is not a line of this room, or the line is deleted; or a '!' room that does not exist
    forbidden,  ///< an edit of another sender's line
    not_storable,  ///< a text holds a NUL byte, which no store keeps (see storable())
};

/// What became of one new_message. For a duplicate, seq and ts_ms are the
/// ORIGINAL event's, so the sender can be acked as the first time. For a
/// rejection, seq and ts_ms are 0.
struct append_outcome {
    append_status status = append_status::stored;
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;
    reject_reason reason = reject_reason::none;

    friend bool operator==(const append_outcome&, const append_outcome&) = default;
};

/// The current reactions with one emoji to a line.
struct reaction {
    std::string emoji;
    std::vector<std::string> users;  ///< sorted

    friend bool operator==(const reaction&, const reaction&) = default;
};

/// A stored event (a line, or any other kind) as history and replay read it.
struct stored_message {
    std::string room;
    std::uint64_t seq = 0;
    std::string sender;
    std::string client_id;
    std::string text;  ///< a line: its current text ('' once deleted); an edit: '' once its line is deleted
    std::int64_t ts_ms = 0;
    event_kind kind = event_kind::line;
    std::uint64_t target = 0;
    std::string subject;
    member_action action = member_action::join;
    member_role role = member_role::member;
    std::int64_t until_ms = 0;
    std::int64_t edited_ms = 0;  ///< a line: when it was last edited; 0 = never
    bool deleted = false;        ///< a line: deleted (a tombstone)
    std::vector<reaction> reactions;  ///< a line: its current reactions, by emoji

    friend bool operator==(const stored_message&, const stored_message&) = default;
};

/// Messages of one room in ascending seq order. has_more: further messages
/// exist beyond this page in the direction asked for (older ones for
/// history, newer ones for since).
struct page {
    std::vector<stored_message> messages;
    bool has_more = false;
};

// ---- rooms and members ----------------------------------------------------------

/// One row of a room's members table: a member, or a user banned or muted
/// without being one.
struct member_row {
    std::string user;
    member_role role = member_role::member;
    bool is_member = true;
    std::int64_t banned_until = 0;  ///< 0: not banned; forever_ms: until unbanned (see in_force)
    std::int64_t muted_until = 0;   ///< 0: not muted; forever_ms: until unmuted
    std::int64_t joined_ms = 0;

    friend bool operator==(const member_row&, const member_row&) = default;
};

struct room_row {
    std::string name;
    room_kind kind = room_kind::public_room;
    std::string topic;
    std::string created_by;  ///< '' for a room created by a join (every room from before version 2)
    std::uint64_t last_seq = 0;
    std::int64_t created_ms = 0;

    friend bool operator==(const room_row&, const room_row&) = default;
};

/// What a room actor starts from. exists = false: no such room (then room
/// holds only the name).
struct room_state {
    bool exists = false;
    room_row room;
    std::vector<member_row> members;  ///< by user
};

/// A user a created room starts with, and its role.
struct initial_member {
    std::string user;
    member_role role = member_role::member;
};

/// A room to create.
struct new_room {
    room_kind kind = room_kind::public_room;
    /// public: required (a public name). private and direct: '' lets the
    /// store pick "!" + 20 of [a-z2-7] (a test may give one).
    std::string name;
    std::string created_by;  ///< the user creating it: owner of a public or private room
    std::string topic;
    /// direct: its users, 2 to max_direct_users distinct ones counting
    /// created_by (added if missing); any order. Ignored otherwise.
    std::vector<std::string> users;
    std::int64_t ts_ms = 0;
    /// public, private: members it starts with besides its creator, with
    /// their roles (the HTTP API names them). Ignored for direct.
    std::vector<initial_member> members;
    /// false: created_by is the creator on record only, not a member (the
    /// HTTP API's user "system"); a direct room is then `users` alone.
    bool creator_member = true;
};

inline constexpr std::size_t max_direct_users = 8;

/// A page of every room, by name (the HTTP API's list). has_more: rooms
/// after the last one exist.
struct room_list {
    std::vector<room_row> rooms;
    bool has_more = false;
};

enum class create_status : std::uint8_t {
    created,  ///< new: state is the room as made
    exists,   ///< the name is taken (public, or a name given for private/direct); state is empty
    found,    ///< direct: the room of that set of users existed already; state is that room
};

struct create_outcome {
    create_status status = create_status::created;
    room_state state;
};

// ---- read markers -----------------------------------------------------------------

/// Unread and mention counts stop here: a count of this means "this many or
/// more" (counting reads the lines, so it is bounded).
inline constexpr std::uint64_t max_counted = 9999;

/// A user has read `room` up to `seq`. The marker only moves forward, and
/// never past the room's last seq.
struct read_mark {
    std::string user;
    std::string room;
    std::uint64_t seq = 0;
    /// When it was asked: a public room with no stored row yet (joined, no
    /// line so far) is stored with this time, as its first line would.
    std::int64_t ts_ms = 0;
};

inline bool well_formed(const read_mark& m) noexcept { return !m.user.empty() && !m.room.empty(); }

/// A marker and what is unread after it: lines (kind line, not deleted,
/// not the user's own) with a higher seq, and those of them mentioning the user.
struct mark_outcome {
    bool found = true;  ///< false: no such room (nothing stored)
    std::uint64_t seq = 0;
    std::uint64_t unread = 0;
    std::uint64_t mentions = 0;

    friend bool operator==(const mark_outcome&, const mark_outcome&) = default;
};

/// A room the user is a member of, as identify lists it.
struct user_room {
    std::string room;
    room_kind kind = room_kind::public_room;
    std::string topic;
    member_role role = member_role::member;
    std::uint64_t last_seq = 0;
    std::uint64_t read = 0;  ///< the user's read marker
    std::uint64_t unread = 0;
    std::uint64_t mentions = 0;

    friend bool operator==(const user_room&, const user_room&) = default;
};

}  // namespace chatd::storage
