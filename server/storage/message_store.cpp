#include "storage/message_store.hpp"

#include "storage/migrations.hpp"
#include "storage/prepared.hpp"
#include "storage/startup_error.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

namespace chatd::storage {

namespace {

constexpr std::int64_t max_sql_int = std::numeric_limits<std::int64_t>::max();

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

bool well_formed(const write_op& w) {
    return std::visit([](const auto& x) { return well_formed(x); }, w);
}

// The columns of history_ and since_, from seq on.
stored_message read_event(const statement& s, std::string_view room) {
    stored_message m;
    m.room = std::string(room);
    m.seq = static_cast<std::uint64_t>(s.column_int64(0));
    m.sender = s.column_text(1);
    m.client_id = s.column_text(2);
    m.text = s.column_text(3);
    m.ts_ms = s.column_int64(4);
    m.kind = protocol::event_kind_from_string(s.column_text(5)).value_or(event_kind::line);  // NULL: a line
    m.target = static_cast<std::uint64_t>(s.column_int64(6));  // NULL reads as 0
    m.subject = s.column_text(7);
    m.action = protocol::member_action_from_string(s.column_text(8)).value_or(member_action::join);
    m.role = protocol::member_role_from_string(s.column_text(9)).value_or(member_role::member);
    m.until_ms = s.column_int64(10);
    m.edited_ms = s.column_int64(11);
    m.deleted = s.column_int64(12) != 0;
    return m;
}

// The columns read_event reads, in its order.
constexpr std::string_view event_columns =
    "seq, sender, client_id, text, ts_ms, kind, target, subject, action, role, until_ms, edited_ms, deleted";

std::string select_events(std::string_view rest) {
    return "SELECT " + std::string(event_columns) + " FROM messages " + std::string(rest);
}

}  // namespace

message_store::message_store(const store_options& options)
    : db_(open_connection({options.path, options.busy_timeout, options.sync})),
      wal_(std::make_unique<detail::wal_state>(detail::wal_state{0, options.wal_limit_pages})),
      schema_version_(migrate(checked(db_, options.path), options.schema_dir)),
      begin_(prepare_or_throw(db_, "BEGIN IMMEDIATE")),
      commit_(prepare_or_throw(db_, "COMMIT")),
      insert_message_(prepare_or_throw(db_,
                                       "INSERT INTO messages (room, seq, sender, client_id, text, ts_ms, kind, "
                                       "target, subject, action, role, until_ms) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                                       "ON CONFLICT (room, sender, client_id) DO NOTHING")),
      find_message_(prepare_or_throw(db_,
                                     "SELECT seq, ts_ms FROM messages "
                                     "WHERE room = ?1 AND sender = ?2 AND client_id = ?3")),
      history_(prepare_or_throw(db_, select_events("WHERE room = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"))),
      since_(prepare_or_throw(db_, select_events("WHERE room = ?1 AND seq > ?2 ORDER BY seq ASC LIMIT ?3"))),
      reactions_(prepare_or_throw(db_,
                                  "SELECT seq, emoji, user FROM reactions "
                                  "WHERE room = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq, emoji, user")),
      user_version_(prepare_or_throw(db_, "PRAGMA user_version")),
      rooms_(db_),
      events_(db_),
      markers_(db_) {
    sqlite3_wal_hook(db_.handle(), on_wal_commit, wal_.get());
}

// --- writes ------------------------------------------------------------------

// What one transaction knows of the rooms it writes: each room's counter.
// Nothing outlives the batch, so a batch that fails leaves no trace in
// memory either: a retry starts from the disk.
struct message_store::batch {
    struct cursor {
        std::uint64_t first = 0;  // rooms.last_seq when the batch began
        std::uint64_t last = 0;   // the last seq handed out so far in the batch
    };
    // Keys view the batch's strings, which outlive it.
    std::unordered_map<std::string_view, cursor> rooms;

    // The room's counter, the room made (public, no owner) if it is new;
    // nullptr for a new name starting with '!': such rooms are only created
    // by create_room.
    result<cursor*> room(room_store& store, std::string_view name, std::int64_t ts_ms) {
        if (auto it = rooms.find(name); it != rooms.end()) return &it->second;
        auto seq = store.last_seq(name);
        if (!seq) return std::move(seq).error();
        if (!seq->has_value()) {
            if (name.front() == '!') return nullptr;
            if (auto r = store.insert_implicit(name, ts_ms); !r) return std::move(r).error();
        }
        const std::uint64_t first = seq->value_or(0);
        return &rooms.emplace(name, cursor{first, first}).first->second;
    }
};

result<std::vector<append_outcome>> message_store::append_batch(std::span<const new_message> events) {
    return in_transaction<append_outcome>(events);
}

result<std::vector<write_outcome>> message_store::write_batch(std::span<const write_op> writes) {
    return in_transaction<write_outcome>(writes);
}

result<create_outcome> message_store::create_room(const new_room& room) {
    const write_op one[] = {room};
    auto r = write_batch(one);
    if (!r) return std::move(r).error();
    return std::get<create_outcome>(std::move(r->front()));
}

result<mark_outcome> message_store::mark_read(const read_mark& mark) {
    const write_op one[] = {mark};
    auto r = write_batch(one);
    if (!r) return std::move(r).error();
    return std::get<mark_outcome>(std::move(r->front()));
}

template <class Outcome, class Write>
result<std::vector<Outcome>> message_store::in_transaction(std::span<const Write> writes) {
    if (!db_.is_open()) return misuse("a write on a closed store");
    for (const auto& w : writes)
        if (!well_formed(w))
            return misuse("a batch holds a write that is not well formed (empty room, sender or client_id; an "
                          "event without its target, emoji or subject; a room that cannot be created)");
    if (writes.empty()) return std::vector<Outcome>{};

    // A transaction left open would make every later batch fail; none should
    // exist, as every path below ends its own.
    db_.rollback_quietly();
    auto failed = [&](error e) {
        db_.rollback_quietly();
        return e;
    };
    if (auto r = run_once(begin_); !r) return failed(std::move(r).error());

    std::vector<Outcome> outcomes;
    outcomes.reserve(writes.size());
    batch b;
    for (const auto& w : writes) {
        if constexpr (std::is_same_v<Write, write_op>) {
            auto done = std::visit(
                [&](const auto& x) -> result<write_outcome> {
                    auto r = apply(b, x);
                    if (!r) return std::move(r).error();
                    return write_outcome(std::move(r).value());
                },
                w);
            if (!done) return failed(std::move(done).error());
            outcomes.push_back(std::move(done).value());
        } else {
            auto done = apply(b, w);
            if (!done) return failed(std::move(done).error());
            outcomes.push_back(std::move(done).value());
        }
    }
    if (auto r = finish(b); !r) return failed(std::move(r).error());
    // A COMMIT that fails (busy, deferred constraint) leaves the transaction
    // open: roll it back so nothing of the batch stays.
    if (auto r = run_once(commit_); !r) return failed(std::move(r).error());
    return outcomes;
}

result<append_outcome> message_store::apply(batch& b, const new_message& m) {
    auto original = [&]() -> result<std::optional<append_outcome>> {
        auto s = find_message_.scope();
        find_message_.bind(1, m.room).bind(2, m.sender).bind(3, m.client_id);
        auto row = find_message_.step();
        if (!row) return std::move(row).error();
        if (!*row) return std::optional<append_outcome>{};
        return std::optional<append_outcome>(append_outcome{append_status::duplicate,
                                                            static_cast<std::uint64_t>(find_message_.column_int64(0)),
                                                            find_message_.column_int64(1)});
    };
    const append_outcome rejected_not_found{append_status::rejected, 0, 0, reject_reason::not_found};

    // An event that may be rejected: a resend is a duplicate first (its
    // target may have been deleted since it was stored), then the rules.
    if (m.kind != event_kind::line) {
        auto dup = original();
        if (!dup) return std::move(dup).error();
        if (*dup) return **dup;
        auto why = events_.check(m);
        if (!why) return std::move(why).error();
        if (*why != reject_reason::none) return append_outcome{append_status::rejected, 0, 0, *why};
    }

    auto cursor = b.room(rooms_, m.room, m.ts_ms);
    if (!cursor) return std::move(cursor).error();
    if (*cursor == nullptr) return rejected_not_found;
    auto& room = **cursor;

    const std::uint64_t seq = room.last + 1;
    if (seq > static_cast<std::uint64_t>(max_sql_int))
        return error{error_code::constraint, 0, "room " + m.room + " has run out of sequence numbers"};
    insert_message_.bind(1, m.room)
        .bind(2, static_cast<std::int64_t>(seq))
        .bind(3, m.sender)
        .bind(4, m.client_id)
        .bind(5, m.kind == event_kind::delete_line ? std::string_view() : std::string_view(m.text))
        .bind(6, m.ts_ms);
    // Unbound columns are NULL: only what the kind uses is stored, and a
    // line (the kind of most rows) stores no kind.
    if (m.kind != event_kind::line) insert_message_.bind(7, to_string(m.kind));
    if (m.kind != event_kind::line && m.kind != event_kind::member && m.kind != event_kind::topic)
        insert_message_.bind(8, static_cast<std::int64_t>(m.target));
    if (m.kind == event_kind::member) {
        insert_message_.bind(9, m.subject).bind(10, to_string(m.action));
        if (m.action == member_action::join || m.action == member_action::invite || m.action == member_action::role)
            insert_message_.bind(11, to_string(m.role));
        if (m.action == member_action::ban || m.action == member_action::mute) insert_message_.bind(12, m.until_ms);
    }
    if (auto r = run_once(insert_message_); !r) return std::move(r).error();

    if (db_.changes() == 1) {
        room.last = seq;
        if (auto r = events_.apply(m, seq, markers_); !r) return std::move(r).error();
        return append_outcome{append_status::stored, seq, m.ts_ms};
    }
    // Not inserted: (room, sender, client_id) exists, stored earlier or
    // earlier in this batch (visible inside our own transaction).
    auto dup = original();
    if (!dup) return std::move(dup).error();
    if (!*dup) return error{error_code::other, 0, "duplicate message of room " + m.room + " not found"};
    return **dup;
}

result<create_outcome> message_store::apply(batch&, const new_room& r) { return rooms_.create(r); }

// The marker never passes the room's last seq (in this batch too): a
// client cannot mark lines read before they exist.
result<mark_outcome> message_store::apply(batch& b, const read_mark& m) {
    std::uint64_t last = 0;
    if (auto it = b.rooms.find(m.room); it != b.rooms.end()) {
        last = it->second.last;
    } else {
        auto seq = rooms_.last_seq(m.room);
        if (!seq) return std::move(seq).error();
        if (seq->has_value()) {
            last = **seq;
        } else {
            // A public room joined before its first line: stored now, as that
            // line would store it. No read makes a '!' room.
            if (m.room.front() == '!') return mark_outcome{false, 0, 0, 0};
            if (auto r = rooms_.insert_implicit(m.room, m.ts_ms); !r) return std::move(r).error();
        }
    }
    if (auto r = markers_.advance(m.user, m.room, std::min(m.seq, last)); !r) return std::move(r).error();
    auto now = markers_.marker(m.user, m.room);
    if (!now) return std::move(now).error();
    return markers_.unread(m.user, m.room, *now);
}

result<void> message_store::finish(batch& b) {
    for (const auto& [name, room] : b.rooms) {
        if (room.last == room.first) continue;
        if (auto r = rooms_.set_last_seq(name, room.last); !r) return r;
    }
    return {};
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
    {
        auto s = stmt.scope();
        // One row more than asked tells whether more exist beyond the page.
        stmt.bind(1, room).bind(2, bound).bind(3, static_cast<std::int64_t>(limit + 1));
        for (;;) {
            auto row = stmt.step();
            if (!row) return std::move(row).error();
            if (!*row) break;
            out.messages.push_back(read_event(stmt, room));
        }
    }
    if (out.messages.size() > limit) {
        out.has_more = true;
        out.messages.pop_back();  // the extra row: the oldest (history) or newest (since)
    }
    if (descending) std::reverse(out.messages.begin(), out.messages.end());
    if (auto r = add_reactions(room, out); !r) return std::move(r).error();
    return out;
}

// One range read for the page's lines: the reactions table is keyed by
// (room, seq, emoji, user), so they come grouped as a line shows them.
result<void> message_store::add_reactions(std::string_view room, page& p) {
    if (p.messages.empty()) return {};
    auto s = reactions_.scope();
    reactions_.bind(1, room)
        .bind(2, static_cast<std::int64_t>(p.messages.front().seq))
        .bind(3, static_cast<std::int64_t>(p.messages.back().seq));
    auto line = p.messages.begin();
    for (;;) {
        auto row = reactions_.step();
        if (!row) return std::move(row).error();
        if (!*row) return {};
        const auto seq = static_cast<std::uint64_t>(reactions_.column_int64(0));
        while (line != p.messages.end() && line->seq < seq) ++line;
        if (line == p.messages.end()) return {};
        if (line->seq != seq) continue;
        std::string emoji = reactions_.column_text(1);
        if (line->reactions.empty() || line->reactions.back().emoji != emoji)
            line->reactions.push_back(reaction{std::move(emoji), {}});
        line->reactions.back().users.push_back(reactions_.column_text(2));
    }
}

result<std::uint64_t> message_store::last_seq(std::string_view room) {
    if (!db_.is_open()) return misuse("last_seq on a closed store");
    auto seq = rooms_.last_seq(room);
    if (!seq) return std::move(seq).error();
    return seq->value_or(0);
}

result<room_state> message_store::room(std::string_view name) {
    if (!db_.is_open()) return misuse("room on a closed store");
    return rooms_.state(name);
}

result<room_list> message_store::rooms(std::string_view after, std::uint32_t limit, std::optional<room_kind> kind) {
    if (!db_.is_open()) return misuse("rooms on a closed store");
    return rooms_.list(after, limit, kind);
}

result<std::vector<user_room>> message_store::rooms_of(std::string_view user, std::string_view only_room) {
    if (!db_.is_open()) return misuse("rooms_of on a closed store");
    return rooms_.rooms_of(user, markers_, only_room);
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
