#include "store_pg/pg_migrations.hpp"

#include "storage/migration_files.hpp"

#include <string>
#include <utility>

namespace chatd::store_pg {

namespace {
// Any fixed number: the key of the lock that makes migrations one at a time.
constexpr const char* lock_migrations = "SELECT pg_advisory_xact_lock(7263011515)";
}  // namespace

result<int> schema_version(connection& db) {
    auto r = db.exec("SELECT coalesce(max(version), 0) FROM schema_version");
    if (!r) return std::move(r).error();
    return static_cast<int>(r->int64(0, 0));
}

result<int> migrate(connection& db, const std::filesystem::path& dir) {
    const auto files = storage::load_migrations(dir);
    const int newest = files.empty() ? 0 : files.back().version;
    // Under the lock too: two nodes creating it at once could collide.
    if (auto r = db.exec(std::string("BEGIN; ") + lock_migrations +
                         "; CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                         "applied_ms BIGINT NOT NULL); COMMIT");
        !r) {
        db.rollback_quietly();
        return std::move(r).error();
    }
    int reached = 0;
    for (const auto& m : files) {
        auto failed = [&](error e) {
            db.rollback_quietly();
            e.message = "migration " + m.file.string() + " failed: " + e.message;
            return e;
        };
        if (auto r = db.exec("BEGIN"); !r) return failed(std::move(r).error());
        if (auto r = db.exec(lock_migrations); !r) return failed(std::move(r).error());
        auto now = schema_version(db);  // under the lock: another node may have gone ahead
        if (!now) return failed(std::move(now).error());
        reached = *now;
        if (reached > newest) {
            db.rollback_quietly();
            return error{error_code::other, 0,
                         "database schema version " + std::to_string(reached) +
                             " is newer than the newest known migration (" + std::to_string(newest) +
                             "); it was written by a newer chatd, refusing to use it"};
        }
        if (m.version <= reached) {
            db.rollback_quietly();
            continue;
        }
        if (auto r = db.exec(m.sql); !r) return failed(std::move(r).error());
        if (auto r = db.exec("INSERT INTO schema_version (version, applied_ms) VALUES (" + std::to_string(m.version) +
                             ", (extract(epoch from clock_timestamp()) * 1000)::bigint)");
            !r)
            return failed(std::move(r).error());
        if (auto r = db.exec("COMMIT"); !r) return failed(std::move(r).error());
        reached = m.version;
    }
    if (files.empty()) {
        auto now = schema_version(db);
        if (!now) return std::move(now).error();
        reached = *now;
    }
    return reached;
}

}  // namespace chatd::store_pg
