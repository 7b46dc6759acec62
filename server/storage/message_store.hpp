#pragma once

#include "storage/connection.hpp"
#include "storage/event_store.hpp"
#include "storage/marker_store.hpp"
#include "storage/result.hpp"
#include "storage/room_store.hpp"
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
#include <variant>
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

/// One write of a batch: an event, a room to create, or a read marker.
using write_op = std::variant<new_message, new_room, read_mark>;
/// What became of it, in the same position.
using write_outcome = std::variant<append_outcome, create_outcome, mark_outcome>;

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

    /// Stores a batch of events in ONE transaction and returns one outcome
    /// per event, in batch order. Events are taken in order, each seeing the
    /// ones before it: an event whose (room, sender, client_id) is already
    /// stored, or appeared earlier in this batch, is a duplicate carrying the
    /// original seq and ts_ms; one that breaks a target rule (see
    /// event_store::check) is rejected, using no seq; any other gets its
    /// room's next seq and has its side effects (see event_kind). The first
    /// event of a room name creates it, public with no owner, unless the
    /// name starts with '!' (then: rejected, not_found). All or nothing: on
    /// error nothing of the batch is stored and a retry of the same batch
    /// gives the outcomes the first attempt would have. An event that is not
    /// well_formed fails the whole batch with `misuse` before any write.
    result<std::vector<append_outcome>> append_batch(std::span<const new_message> batch);

    /// append_batch for a batch that may also create rooms and move read
    /// markers, in order, in one transaction. A new_room that is not
    /// well_formed fails the whole batch with `misuse`.
    result<std::vector<write_outcome>> write_batch(std::span<const write_op> batch);

    /// Creates a room in a transaction of its own (write_batch of one).
    result<create_outcome> create_room(const new_room& room);

    /// Moves a read marker in a transaction of its own (write_batch of one):
    /// to max(its old value, min(mark.seq, the room's last seq)); answers
    /// the marker and what is unread after it.
    result<mark_outcome> mark_read(const read_mark& mark);

    /// Up to `limit` (1..max_page) events of `room` with seq < before_seq
    /// (the newest when absent), ascending; has_more: older ones exist.
    /// Lines carry their current reactions.
    result<page> history(std::string_view room, std::optional<std::uint64_t> before_seq, std::size_t limit);

    /// Up to `limit` (1..max_page) events of `room` with seq > after_seq,
    /// ascending; has_more: newer ones exist beyond this page.
    result<page> since(std::string_view room, std::uint64_t after_seq, std::size_t limit);

    /// The last sequence number handed out in `room`; 0 if it has none.
    result<std::uint64_t> last_seq(std::string_view room);

    /// What a starting room actor needs: the room (exists = false when it
    /// does not) and every row of its members.
    result<room_state> room(std::string_view name);

    /// The rooms `user` is a member of, by name, each with the user's read
    /// marker and the unread and mention counts after it (only_room set: that
    /// room alone, or none).
    result<std::vector<user_room>> rooms_of(std::string_view user, std::string_view only_room = {});

    /// Up to `limit` rooms named after `after` (by name), of `kind` when
    /// set: every room, for the HTTP API's list.
    result<room_list> rooms(std::string_view after, std::uint32_t limit, std::optional<room_kind> kind);

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
    struct batch;

    template <class Outcome, class Write>
    result<std::vector<Outcome>> in_transaction(std::span<const Write> writes);
    result<append_outcome> apply(batch& b, const new_message& m);
    result<create_outcome> apply(batch& b, const new_room& r);
    result<mark_outcome> apply(batch& b, const read_mark& m);
    result<void> finish(batch& b);
    result<page> read_page(statement& stmt, std::string_view room, std::int64_t bound, std::size_t limit,
                           bool descending);
    result<void> add_reactions(std::string_view room, page& p);

    // The connection is declared first so that it is closed last.
    database db_;
    std::unique_ptr<detail::wal_state> wal_;  // on the heap: SQLite's hook keeps its address across moves
    int schema_version_ = 0;
    statement begin_;
    statement commit_;
    statement insert_message_;
    statement find_message_;
    statement history_;
    statement since_;
    statement reactions_;
    statement user_version_;
    room_store rooms_;
    event_store events_;
    marker_store markers_;
};

}  // namespace chatd::storage
