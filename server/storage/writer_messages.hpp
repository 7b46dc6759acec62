#pragma once

// What the rest of the server says to the storage writer actor, and what it
// answers. Rows, not rooms: no SQLite here, so chat/ may include this file.

#include "act/ref.hpp"
#include "storage/rows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chatd::storage {

/// The outcome of one append, told to the append's reply_to once the batch
/// holding it is committed (or given up on).
struct append_done {
    enum class status : std::uint8_t {
        stored,     ///< committed now: seq and ts_ms are the new event's
        duplicate,  ///< the same (room, sender, client_id) was stored before: the original seq and ts_ms
        failed,     ///< not stored: the commit failed and retries were exhausted (or shutdown)
        rejected,   ///< not stored, no seq used: a target rule refused it, or no store keeps it (reason)
    };
    std::uint64_t token = 0;  ///< the append's token, for the requester to match
    status outcome = status::failed;
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;
    reject_reason reason = reject_reason::none;  ///< when rejected
};

/// Store an event (a line, or any event_kind, with its side effects).
/// Committed as soon as the writer has nothing else to do, with the writes
/// that queued up during its previous commit (up to the batch size) in one
/// transaction; reply_to hears append_done.
struct append {
    new_message row;
    std::uint64_t token = 0;
    act::ref<append_done> reply_to;
};

/// A read's answer: a page, or why not.
struct read_result {
    bool ok = false;
    page rows;
    std::string error;  ///< when !ok
};

/// The `limit` lines before `before` (newest when absent), ascending. Any
/// batch still pending is committed first, so a read sees every earlier append.
struct read_history {
    using reply = read_result;
    std::string room;
    std::optional<std::uint64_t> before;
    std::uint32_t limit = 50;
};

/// Up to `limit` lines after `after`, ascending (replay for a rejoin).
struct read_since {
    using reply = read_result;
    std::string room;
    std::uint64_t after = 0;
    std::uint32_t limit = 100;
};

/// The room's last sequence number (0 when it has none), for a room starting up.
struct read_last_seq {
    using reply = std::uint64_t;
    std::string room;
};

/// A reply that may fail: `value` when ok, else `error` says why (not
/// stored or not read: the store is unavailable or the commit failed).
template <class T>
struct answer {
    bool ok = false;
    T value{};
    std::string error;
};

/// Create a room (see new_room and create_status). Queued and committed
/// with the appends, in order; answered once committed.
struct create_room {
    using reply = answer<create_outcome>;
    static constexpr bool replies_later = true;  // after the commit
    new_room room;
};

/// Move a user's read marker in a room forward (never past the room's last
/// seq); the answer is the marker and what is unread after it (found =
/// false: no such room). Queued and committed with the appends, in order.
struct mark_read {
    using reply = answer<mark_outcome>;
    static constexpr bool replies_later = true;  // after the commit
    read_mark mark;
};

/// A room's row and members, for a room actor starting up (exists = false:
/// no such room). Pending writes are committed first.
struct read_room {
    using reply = answer<room_state>;
    std::string room;
};

/// The rooms a user is a member of, with read markers and unread and
/// mention counts (identify's list). Pending writes are committed first.
struct read_user_rooms {
    using reply = answer<std::vector<user_room>>;
    std::string user;
    std::string only_room;  ///< set: that room alone, if the user is a member (a join's counts)
};

/// Up to `limit` rooms (1..100) whose names sort after `after` ("" for the
/// first page), by name; only those of `kind` when set. Every room, of
/// every kind: for the HTTP API only. Pending writes are committed first.
struct list_rooms {
    using reply = answer<room_list>;
    std::string after;
    std::uint32_t limit = 50;
    std::optional<room_kind> kind;
};

/// Readiness for /readyz: open and migrated; with SQLite, the last commit
/// did not fail either; with PostgreSQL, the server answers now.
struct check_ready {
    using reply = bool;
};

/// A storage actor, whichever engine is behind it: the SQLite writer
/// (storage::writer) or the PostgreSQL one (store_pg::pg_writer) answer
/// every message above alike.
using store_ref = act::ref<append, create_room, mark_read, read_history, read_since, read_last_seq, read_room,
                           read_user_rooms, list_rooms, check_ready>;

}  // namespace chatd::storage
