#pragma once

// Numbered SQL migrations: `schema/0001_messages.sql`, `0002_....sql`, ...
// File N moves the database from user_version N-1 to N. Start-up only;
// single-threaded by contract (the caller owns the connection).

#include "storage/migration_files.hpp"
#include "storage/sqlite.hpp"
#include "storage/startup_error.hpp"

#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace chatd::storage {

/// A migration file failed: the database stays at `reached_version()`
/// (every earlier migration is committed, this one is rolled back).
class migration_error : public startup_error {
public:
    migration_error(storage::error e, std::filesystem::path file, int version, int reached_version)
        : startup_error(std::move(e)), file_(std::move(file)), version_(version), reached_(reached_version) {}

    const std::filesystem::path& file() const noexcept { return file_; }
    int version() const noexcept { return version_; }
    int reached_version() const noexcept { return reached_; }

private:
    std::filesystem::path file_;
    int version_;
    int reached_;
};

/// Applies the migrations newer than the database's user_version, in order,
/// each in its own transaction together with `PRAGMA user_version = N`, and
/// returns the version reached. Throws startup_error if the database is
/// newer than the last migration (it was written by a newer chatd), and
/// migration_error if a file fails.
int migrate(database& db, std::span<const migration> migrations);

/// load_migrations(dir), then migrate().
int migrate(database& db, const std::filesystem::path& dir);

/// The database's `PRAGMA user_version`.
result<int> user_version(database& db);

}  // namespace chatd::storage
