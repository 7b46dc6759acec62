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

// "0001_messages.sql" -> 1; 0 if the name does not start with digits and '_'.
int version_of(const std::string& name) {
    const auto underscore = name.find('_');
    if (underscore == 0 || underscore == std::string::npos || underscore > 9) return 0;
    int n = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + underscore, n);
    if (ec != std::errc() || end != name.data() + underscore) return 0;
    return n;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail("migration " + file.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail("migration " + file.string() + ": read failed");
    return std::move(text).str();
}

}  // namespace

result<int> user_version(database& db) {
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    return *row ? static_cast<int>(stmt->column_int64(0)) : 0;
}

std::vector<migration> load_migrations(const std::filesystem::path& dir) {
    std::vector<migration> out;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) fail("schema directory " + dir.string() + ": " + ec.message());
    for (const auto& entry : it) {
        const auto& path = entry.path();
        if (path.extension() != ".sql" || !entry.is_regular_file()) continue;
        const int version = version_of(path.filename().string());
        if (version <= 0)
            fail("migration " + path.string() + ": the name must start with its number and '_', e.g. 0001_name.sql");
        out.push_back(migration{version, path, {}});
    }
    std::sort(out.begin(), out.end(), [](const migration& a, const migration& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int expected = static_cast<int>(i) + 1;
        if (out[i].version == expected) continue;
        if (out[i].version < expected)
            fail("migrations " + out[i - 1].file.string() + " and " + out[i].file.string() + " share a number");
        fail("migration " + std::to_string(expected) + " is missing from " + dir.string() + " (next found: " +
             out[i].file.filename().string() + ")");
    }
    for (auto& m : out) m.sql = read_file(m.file);
    return out;
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
