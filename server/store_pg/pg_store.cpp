#include "store_pg/pg_store.hpp"

#include "store_pg/pg_migrations.hpp"
#include "storage/event_rules.hpp"  // well_formed(new_room)

#include <algorithm>
#include <limits>
#include <type_traits>
#include <utility>

namespace chatd::store_pg {

namespace {

constexpr std::int64_t max_sql_int = std::numeric_limits<std::int64_t>::max();

error misuse(std::string message) { return error{error_code::misuse, 0, std::move(message)}; }

// The columns read_event reads, in its order.
constexpr std::string_view event_columns =
    "seq, sender, client_id, text, ts_ms, kind, target, subject, action, role, until_ms, edited_ms, deleted";

std::string select_events(std::string_view rest) {
    return "SELECT " + std::string(event_columns) + " FROM messages " + std::string(rest);
}

stored_message read_event(const rows& r, int i, std::string_view room) {
    stored_message m;
    m.room = std::string(room);
    m.seq = r.uint64(i, 0);
    m.sender = r.text(i, 1);
    m.client_id = r.text(i, 2);
    m.text = r.text(i, 3);
    m.ts_ms = r.int64(i, 4);
    m.kind = protocol::event_kind_from_string(r.text(i, 5)).value_or(event_kind::line);  // NULL: a line
    m.target = r.uint64(i, 6);
    m.subject = r.text(i, 7);
    m.action = protocol::member_action_from_string(r.text(i, 8)).value_or(member_action::join);
    m.role = protocol::member_role_from_string(r.text(i, 9)).value_or(member_role::member);
    m.until_ms = r.int64(i, 10);
    m.edited_ms = r.int64(i, 11);
    m.deleted = r.int64(i, 12) != 0;
    return m;
}

// Every statement the store runs, prepared once per connection.
struct statement_text {
    const char* name;
    std::string sql;
};

std::vector<statement_text> statements() {
    return {
        // The batch's rooms, locked in name order (see pg_store.hpp).
        {"lock_rooms", "SELECT name, last_seq FROM rooms WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE"},
        {"lock_room", "SELECT last_seq FROM rooms WHERE name = $1 FOR UPDATE"},
        {"create_implicit",
         "INSERT INTO rooms (name, last_seq, created_ms) SELECT n, 0, t FROM unnest($1::text[], $2::bigint[]) "
         "AS u(n, t) ORDER BY n ON CONFLICT (name) DO NOTHING"},
        {"set_last_seq", "UPDATE rooms SET last_seq = $2 WHERE name = $1"},
        {"find_message", "SELECT seq, ts_ms FROM messages WHERE room = $1 AND sender = $2 AND client_id = $3"},
        {"insert_message",
         "INSERT INTO messages (room, seq, sender, client_id, text, ts_ms, kind, target, subject, action, role, "
         "until_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
         "ON CONFLICT (room, sender, client_id) DO NOTHING"},
        {"target", "SELECT (kind IS NULL)::int, sender, deleted FROM messages WHERE room = $1 AND seq = $2"},
        {"edit_line", "UPDATE messages SET text = $3, edited_ms = $4 WHERE room = $1 AND seq = $2"},
        {"delete_line", "UPDATE messages SET text = '', deleted = 1 WHERE room = $1 AND seq = $2"},
        {"erase_edits", "UPDATE messages SET text = '' WHERE room = $1 AND target = $2 AND kind = 'edit'"},
        {"drop_reactions", "DELETE FROM reactions WHERE room = $1 AND seq = $2"},
        {"drop_mentions", "DELETE FROM mentions WHERE room = $1 AND seq = $2"},
        {"add_mention", "INSERT INTO mentions (\"user\", room, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"},
        {"react", "INSERT INTO reactions (room, seq, \"user\", emoji) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"},
        {"unreact", "DELETE FROM reactions WHERE room = $1 AND seq = $2 AND \"user\" = $3 AND emoji = $4"},
        {"topic", "UPDATE rooms SET topic = $2 WHERE name = $1"},
        {"select_member",
         "SELECT role, is_member, banned_until, muted_until, joined_ms FROM members WHERE room = $1 AND \"user\" = $2"},
        {"upsert_member",
         "INSERT INTO members (room, \"user\", role, is_member, banned_until, muted_until, joined_ms) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (room, \"user\") DO UPDATE SET role = excluded.role, "
         "is_member = excluded.is_member, banned_until = excluded.banned_until, "
         "muted_until = excluded.muted_until, joined_ms = excluded.joined_ms"},
        {"delete_member", "DELETE FROM members WHERE room = $1 AND \"user\" = $2"},
        {"room_row", "SELECT kind, topic, coalesce(created_by, ''), last_seq, created_ms FROM rooms WHERE name = $1"},
        {"members",
         "SELECT \"user\", role, is_member, banned_until, muted_until, joined_ms FROM members WHERE room = $1 "
         "ORDER BY \"user\" COLLATE \"C\""},
        {"by_direct_key", "SELECT name FROM rooms WHERE direct_key = $1"},
        // Every room, for the HTTP API: by name (bytewise, as SQLite), '' for any kind.
        {"list_rooms",
         "SELECT kind, topic, coalesce(created_by, ''), last_seq, created_ms, name FROM rooms "
         "WHERE name COLLATE \"C\" > $1 AND ($2 = '' OR kind = $2) ORDER BY name COLLATE \"C\" LIMIT $3"},
        {"room_exists", "SELECT 1 FROM rooms WHERE name = $1"},
        {"insert_room",
         "INSERT INTO rooms (name, last_seq, created_ms, kind, topic, created_by, direct_key) "
         "VALUES ($1, 0, $2, $3, $4, $5, $6)"},
        {"insert_member", "INSERT INTO members (room, \"user\", role, is_member, joined_ms) VALUES ($1, $2, $3, 1, $4)"},
        {"rooms_of",
         "SELECT r.name COLLATE \"C\", r.kind, r.topic, m.role, r.last_seq, coalesce(k.seq, 0) "
         "FROM members AS m JOIN rooms AS r ON r.name = m.room "
         "LEFT JOIN read_markers AS k ON k.\"user\" = m.\"user\" AND k.room = m.room "
         "WHERE m.\"user\" = $1 AND m.is_member = 1 "
         // and the public rooms it has read in without being a member
         // (joining a public room makes nobody one), as SQLite's room_store.
         "UNION ALL "
         "SELECT r.name, r.kind, r.topic, 'member', r.last_seq, k.seq "
         "FROM read_markers AS k JOIN rooms AS r ON r.name = k.room "
         "WHERE k.\"user\" = $1 AND r.kind = 'public' AND NOT EXISTS "
         "(SELECT 1 FROM members AS m WHERE m.room = k.room AND m.\"user\" = $1) "
         "ORDER BY 1"},
        {"advance_marker",
         "INSERT INTO read_markers (\"user\", room, seq) VALUES ($1, $2, $3) "
         "ON CONFLICT (\"user\", room) DO UPDATE SET seq = greatest(read_markers.seq, excluded.seq)"},
        {"forget_marker", "DELETE FROM read_markers WHERE \"user\" = $1 AND room = $2"},
        {"marker", "SELECT seq FROM read_markers WHERE \"user\" = $1 AND room = $2"},
        // The inner LIMIT bounds the walk: a room never read holds every line.
        {"unread",
         "SELECT count(*) FROM (SELECT 1 FROM messages WHERE room = $1 AND seq > $2 AND kind IS NULL "
         "AND deleted = 0 AND sender <> $3 LIMIT $4) AS t"},
        {"mentions",
         "SELECT count(*) FROM (SELECT 1 FROM mentions WHERE \"user\" = $1 AND room = $2 AND seq > $3 LIMIT $4) AS t"},
        {"history", select_events("WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3")},
        {"since", select_events("WHERE room = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3")},
        {"reactions",
         "SELECT seq, emoji, \"user\" FROM reactions WHERE room = $1 AND seq >= $2 AND seq <= $3 "
         "ORDER BY seq, emoji COLLATE \"C\", \"user\" COLLATE \"C\""},
        {"last_seq", "SELECT last_seq FROM rooms WHERE name = $1"},
        {"version", "SELECT coalesce(max(version), 0) FROM schema_version"},
    };
}

result<void> check_limit(std::size_t limit) {
    if (limit == 0 || limit > pg_store::max_page)
        return misuse("limit " + std::to_string(limit) + " is out of range 1.." + std::to_string(pg_store::max_page));
    return {};
}

}  // namespace

result<pg_store> pg_store::open(const std::string& conninfo, const std::filesystem::path& schema_dir) {
    auto db = connection::open(conninfo);
    if (!db) return std::move(db).error();
    auto version = migrate(*db, schema_dir);
    if (!version) return std::move(version).error();
    pg_store store(std::move(*db), *version);
    if (auto r = store.prepare_all(); !r) return std::move(r).error();
    return store;
}

result<void> pg_store::prepare_all() {
    for (const auto& s : statements())
        if (auto r = db_.prepare(s.name, s.sql); !r) return r;
    return {};
}

result<std::vector<write_outcome>> pg_store::write_batch(std::span<const write_op> batch) {
    for (const auto& w : batch)
        if (!std::visit([](const auto& x) { return well_formed(x); }, w))
            return misuse("a batch holds a write that is not well formed");
    if (batch.empty()) return std::vector<write_outcome>{};

    db_.rollback_quietly();  // none should be open; a leftover would fail every batch
    auto failed = [&](error e) {
        db_.rollback_quietly();
        return e;
    };
    if (auto r = db_.exec("BEGIN"); !r) return failed(std::move(r).error());
    cursors rooms;
    if (auto r = lock_rooms(batch, rooms); !r) return failed(std::move(r).error());
    std::vector<write_outcome> outcomes;
    outcomes.reserve(batch.size());
    for (const auto& w : batch) {
        auto done = std::visit(
            [&](const auto& x) -> result<write_outcome> {
                auto r = apply(rooms, x);
                if (!r) return std::move(r).error();
                return write_outcome(std::move(r).value());
            },
            w);
        if (!done) return failed(std::move(done).error());
        outcomes.push_back(std::move(done).value());
    }
    for (const auto& [name, c] : rooms) {
        if (c.last == c.first) continue;
        if (auto r = db_.run("set_last_seq", {name, c.last}); !r) return failed(std::move(r).error());
    }
    if (auto r = db_.exec("COMMIT"); !r) return failed(std::move(r).error());
    return outcomes;
}

// Before anything is read: the rooms a line, member or topic event of the
// batch creates by being first are made (public, no owner; never a '!'
// name), then every room an event names is locked, in name order.
result<void> pg_store::lock_rooms(std::span<const write_op> batch, cursors& rooms) {
    std::unordered_map<std::string, std::int64_t> implicit;  // name -> the first event's time
    std::vector<std::string> names;
    for (const auto& w : batch) {
        // A read in a public room joined before its first line stores the
        // room, as that line would (no read makes a '!' room).
        if (const auto* r = std::get_if<read_mark>(&w); r != nullptr && r->room.front() != '!')
            implicit.emplace(r->room, r->ts_ms);
        const auto* m = std::get_if<new_message>(&w);
        if (!m) continue;
        names.push_back(m->room);
        const bool creates = m->kind == event_kind::line || m->kind == event_kind::member || m->kind == event_kind::topic;
        if (creates && m->room.front() != '!') implicit.emplace(m->room, m->ts_ms);
    }
    if (!implicit.empty()) {
        std::vector<std::string> new_names;
        std::string times = "{";
        for (const auto& [name, ts] : implicit) {
            new_names.push_back(name);
            if (times.size() > 1) times += ',';
            times += std::to_string(ts);
        }
        times += '}';
        if (auto r = db_.run("create_implicit", {text_array(new_names), times}); !r) return std::move(r).error();
    }
    if (names.empty()) return {};
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    auto r = db_.run("lock_rooms", {text_array(names)});
    if (!r) return std::move(r).error();
    for (int i = 0; i < r->size(); ++i) rooms.emplace(r->text(i, 0), cursor{r->uint64(i, 1), r->uint64(i, 1)});
    return {};
}

// A room's counter: locked already, or (a room created earlier in this
// batch) locked now; nullptr when there is no such room.
result<pg_store::cursor*> pg_store::locked(cursors& rooms, const std::string& name) {
    if (auto it = rooms.find(name); it != rooms.end()) return &it->second;
    auto r = db_.run("lock_room", {name});
    if (!r) return std::move(r).error();
    if (r->empty()) return nullptr;
    return &rooms.emplace(name, cursor{r->uint64(0, 0), r->uint64(0, 0)}).first->second;
}

// --- reads -------------------------------------------------------------------

result<page> pg_store::history(std::string_view room, std::optional<std::uint64_t> before_seq, std::size_t limit) {
    if (auto r = check_limit(limit); !r) return std::move(r).error();
    const std::uint64_t before = std::min<std::uint64_t>(before_seq.value_or(max_sql_int), max_sql_int);
    return read_page("history", room, static_cast<std::int64_t>(before), limit, /*descending=*/true);
}

result<page> pg_store::since(std::string_view room, std::uint64_t after_seq, std::size_t limit) {
    if (auto r = check_limit(limit); !r) return std::move(r).error();
    if (after_seq >= static_cast<std::uint64_t>(max_sql_int)) return page{};
    return read_page("since", room, static_cast<std::int64_t>(after_seq), limit, /*descending=*/false);
}

result<page> pg_store::read_page(const char* stmt, std::string_view room, std::int64_t bound, std::size_t limit,
                                 bool descending) {
    // One row more than asked tells whether more exist beyond the page.
    auto r = db_.run(stmt, {room, bound, static_cast<std::int64_t>(limit + 1)});
    if (!r) return std::move(r).error();
    page out;
    for (int i = 0; i < r->size(); ++i) out.messages.push_back(read_event(*r, i, room));
    if (out.messages.size() > limit) {
        out.has_more = true;
        out.messages.pop_back();
    }
    if (descending) std::reverse(out.messages.begin(), out.messages.end());
    if (out.messages.empty()) return out;
    auto reactions = db_.run("reactions", {room, out.messages.front().seq, out.messages.back().seq});
    if (!reactions) return std::move(reactions).error();
    auto line = out.messages.begin();
    for (int i = 0; i < reactions->size(); ++i) {
        const auto seq = reactions->uint64(i, 0);
        while (line != out.messages.end() && line->seq < seq) ++line;
        if (line == out.messages.end()) break;
        if (line->seq != seq) continue;
        std::string emoji = reactions->text(i, 1);
        if (line->reactions.empty() || line->reactions.back().emoji != emoji)
            line->reactions.push_back(reaction{std::move(emoji), {}});
        line->reactions.back().users.push_back(reactions->text(i, 2));
    }
    return out;
}

result<std::uint64_t> pg_store::last_seq(std::string_view room) {
    auto r = db_.run("last_seq", {room});
    if (!r) return std::move(r).error();
    return r->empty() ? 0 : r->uint64(0, 0);
}

result<room_state> pg_store::room(std::string_view name) {
    room_state out;
    out.room.name = std::string(name);
    auto row = db_.run("room_row", {name});
    if (!row) return std::move(row).error();
    if (row->empty()) return out;
    out.exists = true;
    out.room.kind = protocol::room_kind_from_string(row->text(0, 0)).value_or(room_kind::public_room);
    out.room.topic = row->text(0, 1);
    out.room.created_by = row->text(0, 2);
    out.room.last_seq = row->uint64(0, 3);
    out.room.created_ms = row->int64(0, 4);
    auto members = db_.run("members", {name});
    if (!members) return std::move(members).error();
    for (int i = 0; i < members->size(); ++i)
        out.members.push_back(member_row{members->text(i, 0),
                                         protocol::member_role_from_string(members->text(i, 1)).value_or(member_role::member),
                                         members->int64(i, 2) != 0, members->int64(i, 3), members->int64(i, 4),
                                         members->int64(i, 5)});
    return out;
}

result<room_list> pg_store::rooms(std::string_view after, std::uint32_t limit, std::optional<room_kind> kind) {
    // One more than asked: is there a next page?
    auto r = db_.run("list_rooms", {after, kind ? std::string(to_string(*kind)) : std::string(),
                                    static_cast<std::int64_t>(limit) + 1});
    if (!r) return std::move(r).error();
    room_list out;
    for (int i = 0; i < r->size(); ++i) {
        if (out.rooms.size() == limit) {
            out.has_more = true;
            break;
        }
        out.rooms.push_back(room_row{r->text(i, 5),
                                     protocol::room_kind_from_string(r->text(i, 0)).value_or(room_kind::public_room),
                                     r->text(i, 1), r->text(i, 2), r->uint64(i, 3), r->int64(i, 4)});
    }
    return out;
}

result<std::vector<user_room>> pg_store::rooms_of(std::string_view user, std::string_view only_room) {
    auto r = db_.run("rooms_of", {user});
    if (!r) return std::move(r).error();
    std::vector<user_room> out;
    for (int i = 0; i < r->size(); ++i) {
        user_room u;
        u.room = r->text(i, 0);
        if (!only_room.empty() && u.room != only_room) continue;  // counting is the cost: only that one
        u.kind = protocol::room_kind_from_string(r->text(i, 1)).value_or(room_kind::public_room);
        u.topic = r->text(i, 2);
        u.role = protocol::member_role_from_string(r->text(i, 3)).value_or(member_role::member);
        u.last_seq = r->uint64(i, 4);
        u.read = r->uint64(i, 5);
        auto counts = unread(user, u.room, u.read);
        if (!counts) return std::move(counts).error();
        u.unread = counts->unread;
        u.mentions = counts->mentions;
        out.push_back(std::move(u));
    }
    return out;
}

result<void> pg_store::check() {
    auto r = db_.run("version");
    if (!r) return std::move(r).error();
    const int version = static_cast<int>(r->int64(0, 0));
    if (version != schema_version_)
        return error{error_code::other, 0,
                     "schema version is " + std::to_string(version) + ", expected " + std::to_string(schema_version_)};
    return {};
}

}  // namespace chatd::store_pg
