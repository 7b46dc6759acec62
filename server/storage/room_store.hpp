#pragma once

// The rooms table and each room's members: a room's counter, its state for
// a starting room actor, the rooms a user belongs to, and creating rooms.
// Part of message_store; single-threaded by the same contract. Writes run
// inside the store's transaction.

#include "storage/event_rules.hpp"  // well_formed(new_room), direct_key
#include "storage/result.hpp"
#include "storage/rows.hpp"
#include "storage/sqlite.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::storage {

class marker_store;

class room_store {
public:
    /// Prepares the statements. Throws startup_error if one cannot be.
    explicit room_store(database& db);

    /// The last seq handed out in room; nullopt when there is no such room.
    result<std::optional<std::uint64_t>> last_seq(std::string_view room);

    /// A public room with no owner: the room a first event (a join) makes.
    result<void> insert_implicit(std::string_view room, std::int64_t ts_ms);

    result<void> set_last_seq(std::string_view room, std::uint64_t seq);

    result<room_state> state(std::string_view room);

    /// Creates r (well_formed) in the open transaction; see create_status.
    result<create_outcome> create(const new_room& r);

    /// The rooms user is a member of, by name, with its marker and counts
    /// (only_room set: that room alone).
    result<std::vector<user_room>> rooms_of(std::string_view user, marker_store& markers,
                                            std::string_view only_room = {});

    /// Up to `limit` rooms named after `after`, by name; only `kind` when set.
    result<room_list> list(std::string_view after, std::uint32_t limit, std::optional<room_kind> kind);

private:
    result<bool> taken(std::string_view name);
    result<std::string> free_name(const new_room& r);

    statement select_room_;
    statement insert_implicit_;
    statement update_seq_;
    statement room_row_;
    statement members_;
    statement by_direct_key_;
    statement insert_room_;
    statement insert_member_;
    statement rooms_of_;
    statement list_;
};

}  // namespace chatd::storage
