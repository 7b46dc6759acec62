#include "storage/message_store.hpp"

#include "storage/migrations.hpp"
#include "storage/startup_error.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

namespace chatd::storage {

namespace {

constexpr std::int64_t max_sql_int = std::numeric_limits<std::int64_t>::max();

statement prepare_or_throw(database& db, std::string_view sql) {
    auto stmt = db.prepare(sql, /*persistent=*/true);
    if (!stmt) throw startup_error(std::move(stmt).error());
    return std::move(stmt).value();
}

// Runs a statement that returns no rows and resets it, so that the
// statement is idle again before the caller (for instance) rolls back.
result<void> run_once(statement& stmt) {
    auto done = stmt.scope();
    return stmt.run();
}

// Called by SQLite after every commit in WAL mode, in place of its
// autocheckpoint hook: records the WAL's length, and keeps the bound that
// hook kept.
int on_wal_commit(void* state, sqlite3* db, const char* schema, int pages) {
    auto& wal = *static_cast<detail::wal_state*>(state);
    wal.pages = pages < 0 ? 0 : static_cast<std::uint32_t>(pages);
    if (wal.limit != 0 && wal.pages >= wal.limit &&
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK)
        ++wal.backstops;
    // Busy (a checkpointer is at work) or failed: the next commit tries again.
    return SQLITE_OK;
}

// PRAGMA quick_check answers "ok", or a row per problem found.
result<void> run_quick_check(database& db) {
    // Dropped, so the check reads what is on disk rather than this
    // connection's cached copy of it.
    sqlite3_db_release_memory(db.handle());
    auto stmt = db.prepare("PRAGMA quick_check(1)");
    if (!stmt) return std::move(stmt).error();
    auto row = stmt->step();
    if (!row) return std::move(row).error();
    std::string answer = *row ? stmt->column_text(0) : std::string("no answer");
    if (answer == "ok") return {};
    std::replace(answer.begin(), answer.end(), '\n', ' ');  // one log line
    return error{error_code::corrupt, SQLITE_CORRUPT, "quick_check: " + answer};
}

// Start-up: a damaged file is refused before a migration writes to it.
database& checked(database& db, const std::filesystem::path& path) {
    if (auto r = run_quick_check(db); !r) {
        auto e = std::move(r).error();
        e.message = path.string() + " is damaged: " + e.message;
        throw startup_error(std::move(e));
    }
    return db;
}

error misuse(std::string message) { return error{error_code::misuse, 0, std::move(message)}; }

result<void> check_limit(std::size_t limit) {
    if (limit == 0 || limit > message_store::max_page)
        return misuse("limit " + std::to_string(limit) + " is out of range 1.." +
                      std::to_string(message_store::max_page));
    return {};
}

}  // namespace

message_store::message_store(const store_options& options)
    : db_(open_connection({options.path, options.busy_timeout, options.sync})),
      wal_(std::make_unique<detail::wal_state>(detail::wal_state{0, options.wal_limit_pages})),
      schema_version_(migrate(checked(db_, options.path), options.schema_dir)),
      begin_(prepare_or_throw(db_, "BEGIN IMMEDIATE")),
      commit_(prepare_or_throw(db_, "COMMIT")),
      select_room_(prepare_or_throw(db_, "SELECT last_seq FROM rooms WHERE name = ?1")),
      insert_room_(prepare_or_throw(db_, "INSERT INTO rooms (name, last_seq, created_ms) VALUES (?1, 0, ?2)")),
      update_room_(prepare_or_throw(db_, "UPDATE rooms SET last_seq = ?2 WHERE name = ?1")),
      insert_message_(prepare_or_throw(db_,
                                       "INSERT INTO messages (room, seq, sender, client_id, text, ts_ms) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                                       "ON CONFLICT (room, sender, client_id) DO NOTHING")),
      find_message_(prepare_or_throw(db_,
                                     "SELECT seq, ts_ms FROM messages "
                                     "WHERE room = ?1 AND sender = ?2 AND client_id = ?3")),
      history_(prepare_or_throw(db_,
                                "SELECT seq, sender, client_id, text, ts_ms FROM messages "
                                "WHERE room = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3")),
      since_(prepare_or_throw(db_,
                              "SELECT seq, sender, client_id, text, ts_ms FROM messages "
                              "WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3")),
      user_version_(prepare_or_throw(db_, "PRAGMA user_version")) {
    sqlite3_wal_hook(db_.handle(), on_wal_commit, wal_.get());
}

// --- writes ------------------------------------------------------------------

// A room's counter during one batch. Nothing outlives the batch, so a batch
// that fails leaves no trace in memory either: a retry starts from the disk.
struct message_store::room_cursor {
    std::uint64_t first = 0;  // rooms.last_seq when the batch began
    std::uint64_t last = 0;   // the last seq handed out so far in the batch
};

result<std::vector<append_outcome>> message_store::append_batch(std::span<const new_message> batch) {
    if (!db_.is_open()) return misuse("append_batch on a closed store");
    for (const auto& m : batch)
        if (m.room.empty() || m.sender.empty() || m.client_id.empty())
            return misuse("append_batch: room, sender and client_id must not be empty");
    if (batch.empty()) return std::vector<append_outcome>{};

    // A transaction left open would make every later batch fail; none should
    // exist, as every path below ends its own.
    db_.rollback_quietly();

    if (auto r = run_once(begin_); !r) {
        db_.rollback_quietly();
        return std::move(r).error();
    }
    auto outcomes = append_in_transaction(batch);
    if (!outcomes) {
        db_.rollback_quietly();
        return outcomes;
    }
    // A COMMIT that fails (busy, deferred constraint) leaves the transaction
    // open: roll it back so nothing of the batch stays.
    if (auto r = run_once(commit_); !r) {
        db_.rollback_quietly();
        return std::move(r).error();
    }
    return outcomes;
}

result<std::vector<append_outcome>> message_store::append_in_transaction(std::span<const new_message> batch) {
    std::vector<append_outcome> outcomes;
    outcomes.reserve(batch.size());
    // Keys view the batch's strings, which outlive this call.
    std::unordered_map<std::string_view, room_cursor> rooms;

    for (const auto& m : batch) {
        auto it = rooms.find(m.room);
        if (it == rooms.end()) {
            room_cursor cursor;
            {
                auto s = select_room_.scope();
                select_room_.bind(1, m.room);
                auto row = select_room_.step();
                if (!row) return std::move(row).error();
                if (*row) cursor.first = static_cast<std::uint64_t>(select_room_.column_int64(0));
                else if (auto r = run_once(insert_room_.bind(1, m.room).bind(2, m.ts_ms)); !r)
                    return std::move(r).error();
            }
            cursor.last = cursor.first;
            it = rooms.emplace(m.room, cursor).first;
        }
        room_cursor& room = it->second;

        const std::uint64_t seq = room.last + 1;
        if (seq > static_cast<std::uint64_t>(max_sql_int))
            return error{error_code::constraint, 0, "room " + m.room + " has run out of sequence numbers"};
        insert_message_.bind(1, m.room)
            .bind(2, static_cast<std::int64_t>(seq))
            .bind(3, m.sender)
            .bind(4, m.client_id)
            .bind(5, m.text)
            .bind(6, m.ts_ms);
        if (auto r = run_once(insert_message_); !r) return std::move(r).error();

        if (db_.changes() == 1) {
            room.last = seq;
            outcomes.push_back({append_status::stored, seq, m.ts_ms});
            continue;
        }
        // Not inserted: (room, sender, client_id) exists, stored earlier or
        // earlier in this batch (visible inside our own transaction).
        auto s = find_message_.scope();
        find_message_.bind(1, m.room).bind(2, m.sender).bind(3, m.client_id);
        auto row = find_message_.step();
        if (!row) return std::move(row).error();
        if (!*row) return error{error_code::other, 0, "duplicate message of room " + m.room + " not found"};
        outcomes.push_back({append_status::duplicate, static_cast<std::uint64_t>(find_message_.column_int64(0)),
                            find_message_.column_int64(1)});
    }

    for (const auto& [name, room] : rooms) {
        if (room.last == room.first) continue;
        update_room_.bind(1, name).bind(2, static_cast<std::int64_t>(room.last));
        if (auto r = run_once(update_room_); !r) return std::move(r).error();
    }
    return outcomes;
}

// --- reads -------------------------------------------------------------------

result<page> message_store::history(std::string_view room, std::optional<std::uint64_t> before_seq,
                                    std::size_t limit) {
    if (auto r = check_limit(limit); !r) return std::move(r).error();
    // seq < INT64_MAX holds for every stored seq, so larger bounds clamp.
    const std::uint64_t before = std::min<std::uint64_t>(before_seq.value_or(max_sql_int), max_sql_int);
    return read_page(history_, room, static_cast<std::int64_t>(before), limit, /*descending=*/true);
}

result<page> message_store::since(std::string_view room, std::uint64_t after_seq, std::size_t limit) {
    if (auto r = check_limit(limit); !r) return std::move(r).error();
    if (after_seq >= static_cast<std::uint64_t>(max_sql_int)) return page{};
    return read_page(since_, room, static_cast<std::int64_t>(after_seq), limit, /*descending=*/false);
}

result<page> message_store::read_page(statement& stmt, std::string_view room, std::int64_t bound, std::size_t limit,
                                      bool descending) {
    if (!db_.is_open()) return misuse("read on a closed store");
    page out;
    out.messages.reserve(limit + 1);
    auto s = stmt.scope();
    // One row more than asked tells whether more exist beyond the page.
    stmt.bind(1, room).bind(2, bound).bind(3, static_cast<std::int64_t>(limit + 1));
    for (;;) {
        auto row = stmt.step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        out.messages.push_back(stored_message{std::string(room), static_cast<std::uint64_t>(stmt.column_int64(0)),
                                              stmt.column_text(1), stmt.column_text(2), stmt.column_text(3),
                                              stmt.column_int64(4)});
    }
    if (out.messages.size() > limit) {
        out.has_more = true;
        out.messages.pop_back();  // the extra row: the oldest (history) or newest (since)
    }
    if (descending) std::reverse(out.messages.begin(), out.messages.end());
    return out;
}

result<std::uint64_t> message_store::last_seq(std::string_view room) {
    if (!db_.is_open()) return misuse("last_seq on a closed store");
    auto s = select_room_.scope();
    select_room_.bind(1, room);
    auto row = select_room_.step();
    if (!row) return std::move(row).error();
    return *row ? static_cast<std::uint64_t>(select_room_.column_int64(0)) : std::uint64_t{0};
}

result<void> message_store::check() {
    if (!db_.is_open()) return misuse("the store is not open");
    auto s = user_version_.scope();
    auto row = user_version_.step();
    if (!row) return std::move(row).error();
    const int version = *row ? static_cast<int>(user_version_.column_int64(0)) : 0;
    if (version != schema_version_)
        return error{error_code::other, 0,
                     "schema version is " + std::to_string(version) + ", expected " + std::to_string(schema_version_)};
    return {};
}

result<void> message_store::quick_check() {
    if (!db_.is_open()) return misuse("the store is not open");
    return run_quick_check(db_);
}

void message_store::seal() { db_.seal(); }

}  // namespace chatd::storage
