#pragma once

#include "storage/sqlite.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace chatd::storage {

/// How hard a commit pushes to disk. In WAL mode `normal` survives a crash
/// of the process but a power loss may undo the last commits; `full` syncs
/// the WAL on every commit and survives both, at a cost per commit (see
/// docs/benchmarks.md). `full` is chatd's default: an ack means on disk.
enum class sync_mode : std::uint8_t { normal, full };

struct connection_options {
    std::filesystem::path path;                         ///< the database file
    std::chrono::milliseconds busy_timeout{5000};       ///< wait this long for another connection's lock; 0: fail at once
    sync_mode sync = sync_mode::full;
    /// SQLite's page cache, KiB (SQLite's default is 2 MiB): the messages
    /// table's index pages stay in memory instead of being read again.
    std::uint32_t cache_kib = 8 * 1024;
    /// WAL pages before an automatic checkpoint (SQLite's default is 1000,
    /// about 4 MiB). Checkpointing less often writes each hot page (the end
    /// of the table and its indexes) back to the database fewer times: at
    /// 12,000 lines a second the default spent about a sixth of the core in
    /// checkpoint writes and fsyncs. The WAL file grows to about 32 MiB.
    /// message_store puts a WAL hook of its own in place of this one (its
    /// bound is store_options::wal_limit_pages): this serves the other
    /// connections.
    std::uint32_t wal_autocheckpoint_pages = 8000;
};

/// Opens a connection the way chatd wants it: creates the parent directory
/// if missing, then journal_mode=WAL, synchronous=FULL (or NORMAL),
/// foreign_keys=ON, secure_delete=ON, the cache size, the autocheckpoint and the busy timeout. Start-up only: throws
/// startup_error if the directory cannot be made, the file cannot be opened
/// for writing or WAL mode cannot be set. The connection belongs to the calling thread.
database open_connection(const connection_options& options);

}  // namespace chatd::storage
