#pragma once

// The chat store on PostgreSQL: the same writes and reads as SQLite's
// storage::message_store, with the same outcomes, over one libpq
// connection. Synchronous and blocking; single-threaded by contract (it
// belongs to the PostgreSQL writer's thread).
//
// Several chatd nodes may write the same database at once. A batch locks
// the rows of the rooms it appends to (rooms.last_seq, SELECT ... FOR
// UPDATE, in name order so that two batches never wait for each other in a
// circle) before it reads anything, so each room's seqs stay gapless and
// ordered across nodes, and a resend seen by another node is found as a
// duplicate.

#include "store_pg/pg.hpp"
#include "storage/rows.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace chatd::store_pg {

using namespace chatd::storage;  // rows: new_message, page, room_state, ...
using storage::error;
using storage::error_code;

/// One write of a batch: an event, a room to create, or a read marker.
using write_op = std::variant<new_message, new_room, read_mark>;
/// What became of it, in the same position.
using write_outcome = std::variant<append_outcome, create_outcome, mark_outcome>;

class pg_store {
public:
    static constexpr std::size_t max_page = 100;  ///< the largest limit of history() and since()

    /// Connects, applies the migrations of schema_dir and prepares the
    /// statements. Never throws but for a schema folder that breaks the
    /// file rules (storage::startup_error).
    static result<pg_store> open(const std::string& conninfo, const std::filesystem::path& schema_dir);

    /// As storage::message_store::write_batch: every write in order in ONE
    /// transaction, each seeing those before it; an event already stored
    /// (room, sender, client_id) is a duplicate with the original seq; one
    /// that breaks a target rule is rejected using no seq. All or nothing.
    result<std::vector<write_outcome>> write_batch(std::span<const write_op> batch);

    result<page> history(std::string_view room, std::optional<std::uint64_t> before_seq, std::size_t limit);
    result<page> since(std::string_view room, std::uint64_t after_seq, std::size_t limit);
    result<std::uint64_t> last_seq(std::string_view room);
    result<room_state> room(std::string_view name);
    /// The rooms user is a member of (only_room set: that room alone).
    result<std::vector<user_room>> rooms_of(std::string_view user, std::string_view only_room = {});
    /// Up to `limit` rooms named after `after`, by name; only `kind` when set.
    result<room_list> rooms(std::string_view after, std::uint32_t limit, std::optional<room_kind> kind);

    /// For readiness: the server answers and is at the schema version this
    /// store was opened at.
    result<void> check();

    /// The connection is gone: every call fails until a new store is opened.
    bool lost() const noexcept { return db_.lost(); }
    int schema_version() const noexcept { return schema_version_; }

private:
    // Each room's counter in the open transaction (locked).
    struct cursor {
        std::uint64_t first = 0;
        std::uint64_t last = 0;
    };
    using cursors = std::unordered_map<std::string, cursor>;

    pg_store(connection db, int version) : db_(std::move(db)), schema_version_(version) {}
    result<void> prepare_all();
    result<void> lock_rooms(std::span<const write_op> batch, cursors& rooms);
    result<cursor*> locked(cursors& rooms, const std::string& name);
    result<append_outcome> apply(cursors& rooms, const new_message& m);
    result<create_outcome> apply(cursors& rooms, const new_room& r);
    result<mark_outcome> apply(cursors& rooms, const read_mark& m);
    result<std::optional<append_outcome>> original(const new_message& m);
    result<reject_reason> check_target(const new_message& m);
    result<void> side_effects(const new_message& m, std::uint64_t seq);
    result<void> add_mentions(const new_message& m, std::uint64_t line);
    result<void> member(const new_message& m, std::uint64_t seq);
    result<mark_outcome> unread(std::string_view user, std::string_view room, std::uint64_t after);
    result<page> read_page(const char* stmt, std::string_view room, std::int64_t bound, std::size_t limit,
                           bool descending);

    connection db_;
    int schema_version_ = 0;
};

}  // namespace chatd::store_pg
