#include "storage/checkpointer.hpp"

#include <sqlite3.h>

#include <utility>

namespace chatd::storage {

void checkpointer::on_start() {
    // The writer's pragmas are per connection; this one only reads the WAL
    // and writes pages back, so a small cache is enough.
    connection_options o{opts_.path, opts_.busy_timeout, opts_.sync};
    o.cache_kib = 256;
    db_.emplace(open_connection(o));
}

checkpoint_done checkpointer::handle(const checkpoint_wal&) {
    checkpoint_done d;
    if (!db_) {
        d.error = "not open";
        return d;
    }
    const auto start = std::chrono::steady_clock::now();
    int wal = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal, &copied);
    d.ok = rc == SQLITE_OK;
    d.wal_pages = wal < 0 ? 0 : static_cast<std::uint32_t>(wal);
    d.copied_pages = copied < 0 ? 0 : static_cast<std::uint32_t>(copied);
    if (!d.ok) d.error = (rc & 0xff) == SQLITE_BUSY ? "busy" : sqlite3_errmsg(db_->handle());
    if (opts_.on_checkpoint) opts_.on_checkpoint(d, std::chrono::steady_clock::now() - start);
    return d;
}

}  // namespace chatd::storage
