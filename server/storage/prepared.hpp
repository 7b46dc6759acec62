#pragma once

// Two habits of the store's parts (message_store, event_store, room_store,
// marker_store): statements prepared once at start-up, and statements run
// and reset at once, so none is left mid-step when a transaction ends.

#include "storage/sqlite.hpp"
#include "storage/startup_error.hpp"

#include <string_view>
#include <utility>

namespace chatd::storage {

/// A statement kept for the life of the connection. Start-up only: throws
/// startup_error if it cannot be prepared.
inline statement prepare_or_throw(database& db, std::string_view sql) {
    auto stmt = db.prepare(sql, /*persistent=*/true);
    if (!stmt) throw startup_error(std::move(stmt).error());
    return std::move(stmt).value();
}

/// Runs a statement that returns no rows and resets it, so that the
/// statement is idle again before the caller (for instance) rolls back.
inline result<void> run_once(statement& stmt) {
    auto done = stmt.scope();
    return stmt.run();
}

/// The first column of the one row a bound statement answers, as an
/// integer (0 when it answers none), and resets it.
inline result<std::int64_t> single_int(statement& stmt) {
    auto done = stmt.scope();
    auto row = stmt.step();
    if (!row) return std::move(row).error();
    return *row ? stmt.column_int64(0) : std::int64_t{0};
}

}  // namespace chatd::storage
