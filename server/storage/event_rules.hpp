#pragma once

// The rules of rooms and member events that do not depend on the engine
// that stores them: what a room to create must hold, a direct room's key,
// a fresh room name, and what a member event does to a member's row. Both
// stores (SQLite here, PostgreSQL in store_pg/) apply them, so that they
// answer alike. No SQLite here.

#include "storage/rows.hpp"

#include <optional>
#include <string>
#include <vector>

namespace chatd::storage {

/// True when r can be created as asked: a creator; a public room with a name
/// not starting with '!'; a private or direct room with no name or one
/// starting with '!'; a direct room with 2 to max_direct_users distinct
/// users (the creator counted when it is a member), none empty; a public or
/// private room's members each once, none empty, the creator not among them.
bool well_formed(const new_room& r);

/// True when no text of the write holds a NUL byte. PostgreSQL's text
/// cannot hold one (and libpq would cut a value at it), so neither store
/// keeps one: both writers refuse such a write alone, an append as
/// `rejected` (reject_reason::not_storable), for good. The protocol refuses
/// U+0000 before it gets here; this is the store's own guard.
bool storable(const new_message& m);
bool storable(const new_room& r);
bool storable(const read_mark& m);

/// A direct room's users: r.users and the creator (when it is a member),
/// sorted, each once.
std::vector<std::string> direct_users(const new_room& r);

/// A direct room's key: direct_users joined by "\n". The same set in any
/// order gives the same key.
std::string direct_key(const new_room& r);

/// "!" + 20 of [a-z2-7]: 100 random bits from the system's source.
std::string random_room_name();

/// The members a room is created with: the direct room's users, or the
/// creator as owner (when it is a member) and the members it names, by name.
std::vector<member_row> founding_members(const new_room& r);

/// What a member event does to its subject's row.
struct member_change {
    member_row row;              ///< the row after the event
    bool keep = true;            ///< false: nothing left to remember (not a member, no sanction): delete the row
    bool became_member = false;  ///< the subject joined: its read marker moves up to the event's seq
};

/// The row of m.subject after member event m, from its row before (nullopt:
/// none).
member_change apply_member_event(std::optional<member_row> before, const new_message& m);

}  // namespace chatd::storage
