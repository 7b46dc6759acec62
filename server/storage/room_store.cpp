#include "storage/room_store.hpp"

#include "storage/marker_store.hpp"
#include "storage/prepared.hpp"

#include <utility>

namespace chatd::storage {

namespace {

room_row read_room_row(const statement& s, std::string name) {
    return room_row{std::move(name), protocol::room_kind_from_string(s.column_text(0)).value_or(room_kind::public_room), s.column_text(1),
                    s.column_text(2), static_cast<std::uint64_t>(s.column_int64(3)), s.column_int64(4)};
}

}  // namespace

room_store::room_store(database& db)
    : select_room_(prepare_or_throw(db, "SELECT last_seq FROM rooms WHERE name = ?1")),
      insert_implicit_(prepare_or_throw(db, "INSERT INTO rooms (name, last_seq, created_ms) VALUES (?1, 0, ?2)")),
      update_seq_(prepare_or_throw(db, "UPDATE rooms SET last_seq = ?2 WHERE name = ?1")),
      room_row_(prepare_or_throw(db,
                                 "SELECT kind, topic, created_by, last_seq, created_ms FROM rooms WHERE name = ?1")),
      members_(prepare_or_throw(db,
                                "SELECT user, role, is_member, banned_until, muted_until, joined_ms FROM members "
                                "WHERE room = ?1 ORDER BY user")),
      by_direct_key_(prepare_or_throw(db, "SELECT name FROM rooms WHERE direct_key = ?1")),
      insert_room_(prepare_or_throw(db,
                                    "INSERT INTO rooms (name, last_seq, created_ms, kind, topic, created_by, "
                                    "direct_key) VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6)")),
      insert_member_(prepare_or_throw(db,
                                      "INSERT INTO members (room, user, role, is_member, joined_ms) "
                                      "VALUES (?1, ?2, ?3, 1, ?4)")),
      rooms_of_(prepare_or_throw(db,
                                 // The rooms the user is a member of, and the
                                 // public rooms it has read in without being
                                 // one (joining a public room makes nobody a
                                 // member) unless it gave the room up, was
                                 // removed or banned (a row that is not a
                                 // membership): both by the user's own index.
                                 "SELECT r.name, r.kind, r.topic, m.role, r.last_seq, coalesce(k.seq, 0) "
                                 "FROM members AS m JOIN rooms AS r ON r.name = m.room "
                                 "LEFT JOIN read_markers AS k ON k.user = m.user AND k.room = m.room "
                                 "WHERE m.user = ?1 AND m.is_member = 1 "
                                 "UNION ALL "
                                 "SELECT r.name, r.kind, r.topic, 'member', r.last_seq, k.seq "
                                 "FROM read_markers AS k JOIN rooms AS r ON r.name = k.room "
                                 "WHERE k.user = ?1 AND r.kind = 'public' AND NOT EXISTS "
                                 "(SELECT 1 FROM members AS m WHERE m.room = k.room AND m.user = ?1) "
                                 "ORDER BY 1")),
      list_(prepare_or_throw(db,
                             "SELECT kind, topic, created_by, last_seq, created_ms, name FROM rooms "
                             "WHERE name > ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY name LIMIT ?3")) {}

result<std::optional<std::uint64_t>> room_store::last_seq(std::string_view room) {
    auto s = select_room_.scope();
    select_room_.bind(1, room);
    auto row = select_room_.step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<std::uint64_t>{};
    return std::optional<std::uint64_t>(static_cast<std::uint64_t>(select_room_.column_int64(0)));
}

result<void> room_store::insert_implicit(std::string_view room, std::int64_t ts_ms) {
    return run_once(insert_implicit_.bind(1, room).bind(2, ts_ms));
}

result<void> room_store::set_last_seq(std::string_view room, std::uint64_t seq) {
    return run_once(update_seq_.bind(1, room).bind(2, static_cast<std::int64_t>(seq)));
}

result<room_state> room_store::state(std::string_view room) {
    room_state out;
    out.room.name = std::string(room);
    {
        auto s = room_row_.scope();
        room_row_.bind(1, room);
        auto row = room_row_.step();
        if (!row) return std::move(row).error();
        if (!*row) return out;
        out.exists = true;
        out.room = read_room_row(room_row_, std::string(room));
    }
    auto s = members_.scope();
    members_.bind(1, room);
    for (;;) {
        auto row = members_.step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        out.members.push_back(member_row{members_.column_text(0),
                                         protocol::member_role_from_string(members_.column_text(1)).value_or(member_role::member),
                                         members_.column_int64(2) != 0, members_.column_int64(3),
                                         members_.column_int64(4), members_.column_int64(5)});
    }
    return out;
}

result<bool> room_store::taken(std::string_view name) {
    auto seq = last_seq(name);
    if (!seq) return std::move(seq).error();
    return seq->has_value();
}

// The name asked for, or a fresh random one when none was.
result<std::string> room_store::free_name(const new_room& r) {
    if (!r.name.empty()) {
        auto t = taken(r.name);
        if (!t) return std::move(t).error();
        return *t ? std::string() : r.name;
    }
    // 100 random bits: a clash is not expected, but would not be an error.
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string name = random_room_name();
        auto t = taken(name);
        if (!t) return std::move(t).error();
        if (!*t) return name;
    }
    return error{error_code::other, 0, "no free room name found"};
}

result<create_outcome> room_store::create(const new_room& r) {
    if (!well_formed(r)) return error{error_code::misuse, 0, "create room: not a room that can be created"};
    const std::string key = r.kind == room_kind::direct ? direct_key(r) : std::string();
    if (!key.empty()) {
        std::string existing;
        {
            auto s = by_direct_key_.scope();
            by_direct_key_.bind(1, key);
            auto row = by_direct_key_.step();
            if (!row) return std::move(row).error();
            if (*row) existing = by_direct_key_.column_text(0);
        }
        if (!existing.empty()) {
            auto found = state(existing);
            if (!found) return std::move(found).error();
            return create_outcome{create_status::found, std::move(found).value()};
        }
    }
    auto name = free_name(r);
    if (!name) return std::move(name).error();
    if (name->empty()) return create_outcome{create_status::exists, {}};

    insert_room_.bind(1, *name).bind(2, r.ts_ms).bind(3, to_string(r.kind)).bind(4, r.topic).bind(5, r.created_by);
    if (!key.empty()) insert_room_.bind(6, key);  // unbound: NULL
    if (auto done = run_once(insert_room_); !done) return std::move(done).error();

    create_outcome out{create_status::created, {true, room_row{*name, r.kind, r.topic, r.created_by, 0, r.ts_ms}, {}}};
    out.state.members = founding_members(r);
    for (const auto& m : out.state.members) {
        insert_member_.bind(1, *name).bind(2, m.user).bind(3, to_string(m.role)).bind(4, r.ts_ms);
        if (auto done = run_once(insert_member_); !done) return std::move(done).error();
    }
    return out;
}

result<std::vector<user_room>> room_store::rooms_of(std::string_view user, marker_store& markers,
                                                    std::string_view only_room) {
    std::vector<user_room> out;
    {
        auto s = rooms_of_.scope();
        rooms_of_.bind(1, user);
        for (;;) {
            auto row = rooms_of_.step();
            if (!row) return std::move(row).error();
            if (!*row) break;
            user_room r;
            r.room = rooms_of_.column_text(0);
            if (!only_room.empty() && r.room != only_room) continue;  // counting is the cost: only that one
            r.kind = protocol::room_kind_from_string(rooms_of_.column_text(1)).value_or(room_kind::public_room);
            r.topic = rooms_of_.column_text(2);
            r.role = protocol::member_role_from_string(rooms_of_.column_text(3)).value_or(member_role::member);
            r.last_seq = static_cast<std::uint64_t>(rooms_of_.column_int64(4));
            r.read = static_cast<std::uint64_t>(rooms_of_.column_int64(5));
            out.push_back(std::move(r));
        }
    }
    for (auto& r : out) {
        auto counts = markers.unread(user, r.room, r.read);
        if (!counts) return std::move(counts).error();
        r.unread = counts->unread;
        r.mentions = counts->mentions;
    }
    return out;
}

result<room_list> room_store::list(std::string_view after, std::uint32_t limit, std::optional<room_kind> kind) {
    room_list out;
    auto s = list_.scope();
    list_.bind(1, after).bind(3, static_cast<std::int64_t>(limit) + 1);  // one more: is there a next page?
    if (kind) list_.bind(2, to_string(*kind));                          // unbound: NULL, every kind
    for (;;) {
        auto row = list_.step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        if (out.rooms.size() == limit) {
            out.has_more = true;
            break;
        }
        out.rooms.push_back(read_room_row(list_, list_.column_text(5)));
    }
    return out;
}

}  // namespace chatd::storage
