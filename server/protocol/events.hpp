#pragma once

#include "protocol/error_code.hpp"
#include "protocol/request_id.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace chatd::protocol {

// What the server tells a client: the arguments of one encode() call each
// (encoder.hpp). They are views into the caller's data, valid for that call
// only: build one, encode it, drop it. What crosses a mailbox is the encoded
// std::string (or the caller's own owning struct), never one of these.
// Field names match the wire; docs/protocol.md has the meaning of each.

/// Reply to identify.
struct identified_event {
    request_id id;
    std::string_view user;  ///< the name the server gave this connection
    bool guest = false;
};

/// Reply to join.
struct joined_event {
    request_id id;
    std::string_view room;
    std::span<const std::string> members;  ///< user names now in the room, the joiner included
    std::uint64_t last_seq = 0;            ///< the room's newest seq at the join (0: none yet)
    std::uint64_t member_count = 0;        ///< users in the room, the joiner included (members may list fewer)
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

/// One chat line: pushed live and in replays, and an element of history.
struct message_event {
    std::string_view room;
    std::uint64_t seq = 0;
    std::string_view from;  ///< the sender's user name
    std::string_view text;
    std::int64_t ts = 0;    ///< server time the room accepted it, ms since the Unix epoch
    std::string_view client_id;
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
