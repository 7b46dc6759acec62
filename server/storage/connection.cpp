#include "storage/connection.hpp"

#include "storage/startup_error.hpp"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace chatd::storage {

namespace {

[[noreturn]] void fail(error e) { throw startup_error(std::move(e)); }

void exec_or_throw(database& db, const char* sql) {
    if (auto r = db.exec(sql); !r) fail(std::move(r).error());
}

}  // namespace

database open_connection(const connection_options& options) {
    const auto parent = options.path.parent_path();
    if (!parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);
        if (ec)
            fail(error{error_code::io, 0, "create directory " + parent.string() + ": " + ec.message()});
    }

    auto opened = database::open(options.path);
    if (!opened) fail(std::move(opened).error());
    database db = std::move(opened).value();

    // SQLite opens a file it may not write read-only, without a word; every
    // commit would then fail. Refused here, at start-up, instead.
    if (sqlite3_db_readonly(db.handle(), "main") == 1)
        fail(error{error_code::io, SQLITE_READONLY, "open " + options.path.string() + ": the file is read-only"});

    const auto ms = options.busy_timeout.count();
    sqlite3_busy_timeout(db.handle(), ms <= 0 ? 0 : ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms));

    // journal_mode answers with the mode now in force; anything but "wal"
    // (an in-memory database, a file system without shared memory) is
    // refused rather than silently running without WAL.
    {
        auto stmt = db.prepare("PRAGMA journal_mode=WAL");
        if (!stmt) fail(std::move(stmt).error());
        // Two connections opening a new database at once (the writer and
        // the checkpointer, at start) race to switch it to WAL, and SQLite
        // answers the loser `busy` at once, without its busy handler: tried
        // again for as long as the busy timeout.
        const auto deadline = std::chrono::steady_clock::now() + options.busy_timeout;
        auto row = stmt->step();
        while (!row && row.error().code == error_code::busy && std::chrono::steady_clock::now() < deadline) {
            stmt->reset();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            row = stmt->step();
        }
        if (!row) fail(std::move(row).error());
        const std::string mode = *row ? stmt->column_text(0) : std::string();
        if (mode != "wal")
            fail(error{error_code::other, 0,
                       "open " + options.path.string() + ": journal_mode=WAL refused (mode is '" + mode + "')"});
    }
    exec_or_throw(db, options.sync == sync_mode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec_or_throw(db, "PRAGMA foreign_keys=ON");
    // A deleted line's text is zeroed where it lay in the file, not left in
    // a free page or a free slot of its page.
    exec_or_throw(db, "PRAGMA secure_delete=ON");
    // Negative: KiB rather than pages.
    exec_or_throw(db, ("PRAGMA cache_size=-" + std::to_string(options.cache_kib)).c_str());
    exec_or_throw(db, ("PRAGMA wal_autocheckpoint=" + std::to_string(options.wal_autocheckpoint_pages)).c_str());
    return db;
}

}  // namespace chatd::storage
