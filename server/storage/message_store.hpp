#pragma once

#include "storage/connection.hpp"
#include "storage/result.hpp"
#include "storage/rows.hpp"
#include "storage/sqlite.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace chatd::storage {

struct store_options {
    std::filesystem::path path;                       ///< the database file; its folder is created if missing
    std::filesystem::path schema_dir = CHATD_SCHEMA_DIR;  ///< the numbered migrations
    std::chrono::milliseconds busy_timeout{5000};     ///< how long a call waits for another connection's lock
    sync_mode sync = sync_mode::full;
    /// The WAL's bound, in pages: a commit that leaves the WAL at least this
    /// long checkpoints it at once, on the committing thread (SQLite's own
    /// autocheckpoint). With a checkpointer (storage/checkpointer.hpp)
    /// running ahead of it, this is only the backstop.
    std::uint32_t wal_limit_pages = 8000;
};

namespace detail {
/// What message_store's WAL hook records after each commit. Internal.
struct wal_state {
    std::uint32_t pages = 0;      // the WAL's length after the last commit
    std::uint32_t limit = 0;      // checkpoint on the committing thread at this length; 0: never
    std::uint64_t backstops = 0;  // checkpoints run on the committing thread because of the limit
};
}  // namespace detail

/// The chat message store: one SQLite connection and its prepared
/// statements. Synchronous and blocking.
///
/// Single-threaded by contract: one instance belongs to one thread (the
/// storage actor's, bound to a thread of its own); no member is
/// thread-safe, and none may be called from an I/O thread.
///
/// Only the constructor throws; every other call reports failure as a
/// result, with `busy` meaning another connection held the lock past the
/// busy timeout (worth retrying).
class message_store {
public:
    static constexpr std::size_t max_page = 100;  ///< the largest limit of history() and since()

    /// Opens (or creates) the database, configures it (open_connection),
    /// checks it (quick_check) and applies pending migrations from
    /// options.schema_dir. Throws startup_error if it cannot be opened, if
    /// it is damaged (code `corrupt`), if it is newer than
    /// the newest migration, or if statements cannot be prepared; throws
    /// migration_error (a startup_error) if a migration file fails.
    explicit message_store(const store_options& options);

    message_store(message_store&&) noexcept = default;  // the WAL hook's state stays where it is
    message_store& operator=(message_store&&) noexcept = default;
    message_store(const message_store&) = delete;
    message_store& operator=(const message_store&) = delete;
    ~message_store() = default;

    /// Stores a batch in ONE transaction and returns one outcome per
    /// message, in batch order. Messages are taken in order: a message whose
    /// (room, sender, client_id) is already stored, or appeared earlier in
    /// this batch, is a duplicate carrying the original seq and ts_ms;
    /// any other gets its room's next seq. All or nothing: on error nothing
    /// of the batch is stored and a retry of the same batch gives the
    /// outcomes the first attempt would have. An empty room, sender or
    /// client_id fails the whole batch with `misuse` before any write.
    result<std::vector<append_outcome>> append_batch(std::span<const new_message> batch);

    /// Up to `limit` (1..max_page) messages of `room` with seq < before_seq
    /// (the newest when absent), ascending; has_more: older ones exist.
    result<page> history(std::string_view room, std::optional<std::uint64_t> before_seq, std::size_t limit);

    /// Up to `limit` (1..max_page) messages of `room` with seq > after_seq,
    /// ascending; has_more: newer ones exist beyond this page.
    result<page> since(std::string_view room, std::uint64_t after_seq, std::size_t limit);

    /// The last sequence number handed out in `room`; 0 if it has none.
    result<std::uint64_t> last_seq(std::string_view room);

    /// For readiness probes: the database answers and is still at the
    /// schema version it was migrated to. Touches the file, cheaply.
    result<void> check();

    /// PRAGMA quick_check on what is on disk (the page cache is dropped
    /// first, so pages are read again): `corrupt` with SQLite's first
    /// complaint when it finds damage. Reads every page: on a large
    /// database it holds the calling thread for a while.
    result<void> quick_check();

    /// For a store whose file was deleted or replaced while open: its
    /// acked lines go into the file it has open (wherever that is now), and
    /// nothing of it reaches what is at the path (database::seal).
    void seal();

    /// The schema version reached at start-up.
    int schema_version() const noexcept { return schema_version_; }

    /// Pages in the WAL after the last commit (0 before the first, and after
    /// a checkpoint let SQLite start the WAL over). For deciding when to ask
    /// for a checkpoint.
    std::uint32_t wal_pages() const noexcept { return wal_->pages; }

    /// How many checkpoints a commit has run itself, at wal_limit_pages,
    /// since the store opened: each one held that commit up. Many mean a
    /// checkpointer that falls behind (or none).
    std::uint64_t backstop_checkpoints() const noexcept { return wal_->backstops; }

private:
    struct room_cursor;

    result<std::vector<append_outcome>> append_in_transaction(std::span<const new_message> batch);
    result<page> read_page(statement& stmt, std::string_view room, std::int64_t bound, std::size_t limit,
                           bool descending);

    // The connection is declared first so that it is closed last.
    database db_;
    std::unique_ptr<detail::wal_state> wal_;  // on the heap: SQLite's hook keeps its address across moves
    int schema_version_ = 0;
    statement begin_;
    statement commit_;
    statement select_room_;
    statement insert_room_;
    statement update_room_;
    statement insert_message_;
    statement find_message_;
    statement history_;
    statement since_;
    statement user_version_;
};

}  // namespace chatd::storage
