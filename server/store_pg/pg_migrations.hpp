#pragma once

// The PostgreSQL schema's numbered migrations (schema/postgres/0001_...sql),
// applied in order with the same file rules as SQLite's
// (storage/migration_files.hpp). The version reached is the highest row of
// the table schema_version. Start-up only.

#include "store_pg/pg.hpp"

#include <filesystem>

namespace chatd::store_pg {

/// Applies the migrations of `dir` newer than the database's version, each
/// in its own transaction with its schema_version row, under an advisory
/// lock so that nodes starting together apply each file once. Returns the
/// version reached, or why not (a database newer than the newest file
/// included). Throws storage::startup_error if the folder breaks the file rules.
result<int> migrate(connection& db, const std::filesystem::path& dir);

/// The database's schema version (0: none yet).
result<int> schema_version(connection& db);

}  // namespace chatd::store_pg
