#pragma once

// What sessions, rooms and the lobby say to each other: immutable structs.
// Frames a session must write arrive pre-encoded (one shared string for
// every member); no JSON document or string_view crosses a mailbox.

#include "act/ref.hpp"
#include "protocol/error_code.hpp"
#include "protocol/request_id.hpp"
#include "protocol/requests.hpp"
#include "protocol/vocabulary.hpp"
#include "storage/rows.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace chatd::chat {

using frame = std::shared_ptr<const std::string>;

/// Room → session: write this frame. `seq` is set for message pushes (the
/// session remembers the last one per room, to rejoin after a room restart).
struct deliver {
    std::string room;
    frame data;
    std::uint64_t seq = 0;
};

/// Room → session: the room restarted and forgot its members; join again
/// with the last seq seen, and the replay fills any gap.
struct room_reset {
    std::string room;
};

/// Room → session: the session is not (or no longer) in the room: a join
/// was refused, or the user was removed or banned. The session forgets the
/// room and writes `data` (the error reply or the `removed` push).
struct unsubscribed {
    std::string room;
    frame data;
};

using session_ref = act::ref<deliver, room_reset, unsubscribed>;

/// A user's read marker in a room and what is unread after it, as storage
/// counted them (storage::user_room), for `joined`.
struct read_counts {
    std::uint64_t read = 0;
    std::uint64_t unread = 0;
    std::uint64_t mentions = 0;
};

/// Session → room. conn_id identifies the connection (a user may have several).
struct join {
    std::uint64_t conn_id = 0;
    std::string user;
    session_ref session;
    protocol::request_id id;
    std::optional<std::uint64_t> since;
    bool guest = false;  ///< a guest may only use public rooms
    std::optional<read_counts> counts;  ///< the user's marker, when a member (read by the session)
    /// The role the user's token grants in this room (docs/protocol.md,
    /// "identify"): the room lets it in with that role.
    std::optional<protocol::member_role> granted;
};

struct leave {
    std::uint64_t conn_id = 0;
    protocol::request_id id;
    bool forget = false;  ///< also give up membership (a member leave event)
};

struct post {
    std::uint64_t conn_id = 0;
    std::string user;
    std::string client_id;
    std::string text;
    protocol::request_id id;
    std::int64_t ts_ms = 0;  ///< when the server received it
};

struct typing {
    std::uint64_t conn_id = 0;
};

/// Session → room: a request that changes the room (an event of its log):
/// membership and sanctions, the topic, or a line's edit, deletion or
/// reactions. The room decides by the user's role, stores the event, then
/// pushes it and acks (or replies an error).
struct change {
    using body_type =
        std::variant<protocol::member_change_request, protocol::set_topic_request, protocol::line_change_request>;
    std::uint64_t conn_id = 0;
    std::string user;
    bool guest = false;
    protocol::request_id id;
    std::int64_t ts_ms = 0;  ///< when the server received it
    body_type body;
    /// The app's backend (the HTTP API, as app_change): above every role,
    /// with no connection (conn_id and id unused).
    bool app = false;
};

/// Session → room: the `members` request, answered from the room's member table.
struct list_members {
    std::uint64_t conn_id = 0;
    protocol::request_id id;
};

/// The outcome of a server_post: the line's seq and time once committed
/// (a duplicate client_id gets the stored line's), or why not.
struct posted {
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;
    bool duplicate = false;  ///< the client_id was stored already: seq and ts are the first post's
    bool unchanged = false;  ///< an app_change that changes nothing (seq 0): no event stored
    std::optional<protocol::error_code> error;  ///< set: not stored (unavailable: retry with the same client_id)
};

/// app/ (the HTTP API) → room: a line from the server, posted as `user`
/// without joining. It goes to storage and to the members exactly as a
/// member's `post`; the reply comes after the commit.
struct server_post {
    using reply = posted;
    static constexpr bool replies_later = true;  // answered when storage has committed
    std::string user;
    std::string client_id;
    std::string text;
    std::int64_t ts_ms = 0;  ///< when the server received it
};

/// app/ (the HTTP API) → room: a change made by the app's backend, with
/// owner's rights over everyone (request.app is set), without joining. The
/// room stores, pushes and applies it exactly as a member's change; the
/// reply comes after the commit, or says why not (not_found, forbidden,
/// unavailable). A change to the member table that would change nothing
/// (removing a non-member, unbanning a user who is not banned, unmuting
/// one who is not muted, an invite of a member with the role it has) is
/// answered `unchanged`; an invite of a member with another role sets it.
struct app_change {
    using reply = posted;
    static constexpr bool replies_later = true;  // answered when storage has committed
    change request;
};

/// Session or app/ → a running room: storage has just created the room of
/// its name (create_room, POST /api/v1/rooms). A public room runs without a
/// stored row until its first event, so one that readers had joined is
/// created under them; it takes on the new room's topic and members (its
/// owner, say), which it would otherwise learn only at its next start.
struct room_created {
    storage::room_state state;
};

/// Test hook: makes the room's handler throw, to show a crash is contained.
struct crash_room {};

using room_ref =
    act::ref<join, leave, post, typing, change, list_members, crash_room, server_post, app_change, room_created>;

/// Lobby → session: the answer to open_room.
struct open_result {
    room_ref room;         ///< invalid: refused or unavailable
    bool created = false;  ///< the room was not running and was started for this request
    bool refused = false;  ///< the room was not running and may_create was false
};

/// Session → lobby: the room of that name, started if it is not running;
/// then (after the reply, so the session knows the room before it hears
/// from it) the lobby tells it `then_join`. Joins go through the lobby so
/// that a room stopping for idleness never swallows one (see lobby).
struct open_room {
    using reply = open_result;
    static constexpr bool replies_later = true;  // a stopping room's answer is awaited first
    std::string name;
    std::optional<join> then_join;
    bool may_create = true;  ///< false: the caller's creation budget is spent
};

/// Room → lobby: this room has had no members and no work for its idle
/// timeout; the lobby may ask it to retire.
struct room_idle {
    std::string name;
    std::uint64_t room_id = 0;  ///< the ref id of the room, to tell it from a later one
};

/// Lobby → room: stop if still idle. True: the room is stopping.
struct retire_room {
    using reply = bool;
};

/// Room → itself: see whether it has been idle long enough.
struct idle_check {};

/// Room → itself: events are still missing after the hold; read the store.
struct gap_check {};

/// Room → itself: who is on the other nodes has not come in time (Redis is
/// away); admit the joins that waited for it.
struct presence_check {};

}  // namespace chatd::chat
