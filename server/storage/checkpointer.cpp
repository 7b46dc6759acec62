#include "storage/checkpointer.hpp"

#include "storage/startup_error.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <utility>

namespace chatd::storage {

bool checkpointer::open() {
    if (db_) return true;
    // The writer's pragmas are per connection; this one only reads the WAL
    // and writes pages back, so a small cache is enough.
    connection_options o{opts_.path, opts_.busy_timeout, opts_.sync};
    o.cache_kib = 256;
    try {
        database db = open_connection(o);
        // A read opens the WAL: until then SQLite has none to checkpoint.
        if (auto r = db.exec("PRAGMA user_version"); !r) throw startup_error(std::move(r).error());
        db_.emplace(std::move(db));
        return true;
    } catch (const startup_error& e) {
        spdlog::warn("storage: the checkpointer cannot open {}: {}; the writer checkpoints by itself meanwhile",
                     opts_.path.string(), e.what());
        return false;
    }
}

checkpoint_done checkpointer::handle(const checkpoint_wal& m) {
    checkpoint_done d;
    if (m.file && identify(opts_.path) != m.file) {
        // The writer's file is no longer at the path: a connection opened now
        // would meet another database. Ours is closed, sealed (database's
        // destructor), and not opened again.
        db_.reset();
        d.why = error{error_code::io, 0, "checkpoint: the database file was deleted or replaced"};
        return d;
    }
    if (!open()) {
        d.why = error{error_code::io, 0, "checkpoint: the database is not open"};
        return d;
    }
    const auto start = std::chrono::steady_clock::now();
    int wal = -1;
    int copied = -1;
    const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
    // -1: SQLite has no WAL open on this connection, so nothing was copied.
    d.ok = rc == SQLITE_OK && wal >= 0 && copied >= 0;
    d.wal_pages = wal < 0 ? 0 : static_cast<std::uint32_t>(wal);
    d.copied_pages = copied < 0 ? 0 : static_cast<std::uint32_t>(copied);
    if (rc != SQLITE_OK)
        d.why = make_error(rc, "checkpoint", sqlite3_errmsg(db_->handle()));
    else if (!d.ok)
        d.why = error{error_code::other, 0, "checkpoint: no WAL open"};
    if (opts_.on_checkpoint) opts_.on_checkpoint(d, std::chrono::steady_clock::now() - start);
    return d;
}

}  // namespace chatd::storage
