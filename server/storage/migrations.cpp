#include "storage/migrations.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace chatd::storage {

namespace {

[[noreturn]] void fail(std::string message) { throw startup_error(error{error_code::other, 0, std::move(message)}); }

}  // namespace

result<int> user_version(database& db) {
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    return *row ? static_cast<int>(stmt->column_int64(0)) : 0;
}

int migrate(database& db, std::span<const migration> migrations) {
    auto current = user_version(db);
    if (!current) throw startup_error(std::move(current).error());
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (*current > newest)
        fail("database schema version " + std::to_string(*current) + " is newer than the newest known migration (" +
             std::to_string(newest) + "); it was written by a newer chatd, refusing to open it");

    int reached = *current;
    for (const auto& m : migrations) {
        if (m.version <= reached) continue;
        auto failed = [&](storage::error e) {
            db.rollback_quietly();
            e.message = "migration " + m.file.string() + " failed: " + e.message;
            throw migration_error(std::move(e), m.file, m.version, reached);
        };
        // IMMEDIATE takes the write lock first; then user_version is read
        // again, so a second process that migrated meanwhile is not redone.
        if (auto r = db.exec("BEGIN IMMEDIATE"); !r) failed(std::move(r).error());
        auto now = user_version(db);
        if (!now) failed(std::move(now).error());
        if (*now >= m.version) {
            db.rollback_quietly();
            reached = *now;
            continue;
        }
        if (auto r = db.exec(m.sql.c_str()); !r) failed(std::move(r).error());
        if (!db.in_transaction())
            failed(error{error_code::misuse, 0, "the file ended the transaction itself, so its changes may be committed without the "
                                "version; remove BEGIN/COMMIT from it"});
        // PRAGMA takes no bound parameters; the number is ours, not user data.
        const std::string set_version = "PRAGMA user_version = " + std::to_string(m.version);
        if (auto r = db.exec(set_version.c_str()); !r) failed(std::move(r).error());
        if (auto r = db.exec("COMMIT"); !r) failed(std::move(r).error());
        reached = m.version;
    }
    return reached;
}

int migrate(database& db, const std::filesystem::path& dir) {
    const auto migrations = load_migrations(dir);
    return migrate(db, migrations);
}

}  // namespace chatd::storage
