// pg_store's writes inside the batch's transaction: events with their
// target rules and side effects, rooms created, read markers moved. Each
// answers as storage::message_store's does (event_store, room_store,
// marker_store), with the rules both share (storage/event_rules.hpp).

#include "store_pg/pg_store.hpp"

#include "storage/event_rules.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace chatd::store_pg {

namespace {

constexpr auto max_counted_sql = static_cast<std::int64_t>(max_counted);

bool has_target(event_kind k) noexcept {
    return k == event_kind::edit || k == event_kind::delete_line || k == event_kind::react || k == event_kind::unreact;
}

result<void> done(result<rows> r) {
    if (!r) return std::move(r).error();
    return {};
}

}  // namespace

// The original of a resend: its seq and time, if (room, sender, client_id) is stored.
result<std::optional<append_outcome>> pg_store::original(const new_message& m) {
    auto r = db_.run("find_message", {m.room, m.sender, m.client_id});
    if (!r) return std::move(r).error();
    if (r->empty()) return std::optional<append_outcome>{};
    return std::optional<append_outcome>(append_outcome{append_status::duplicate, r->uint64(0, 0), r->int64(0, 1)});
}

// As event_store::check: the target must be a line of the room that is not
// deleted (one answer for all three, so a deleted line cannot be told from
// one never written), and an edit's line must be the sender's.
result<reject_reason> pg_store::check_target(const new_message& m) {
    if (!has_target(m.kind)) return reject_reason::none;
    if (m.target > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return reject_reason::not_found;
    auto r = db_.run("target", {m.room, m.target});
    if (!r) return std::move(r).error();
    if (r->empty() || r->int64(0, 0) == 0 || r->int64(0, 2) != 0) return reject_reason::not_found;
    if (m.kind == event_kind::edit && r->text(0, 1) != m.sender) return reject_reason::forbidden;
    return reject_reason::none;
}

result<append_outcome> pg_store::apply(cursors& rooms, const new_message& m) {
    // An event that may be rejected: a resend is a duplicate first (its
    // target may have been deleted since), then the rules.
    if (m.kind != event_kind::line) {
        auto dup = original(m);
        if (!dup) return std::move(dup).error();
        if (*dup) return **dup;
        auto why = check_target(m);
        if (!why) return std::move(why).error();
        if (*why != reject_reason::none) return append_outcome{append_status::rejected, 0, 0, *why};
    }
    auto found = locked(rooms, m.room);
    if (!found) return std::move(found).error();
    if (*found == nullptr) return append_outcome{append_status::rejected, 0, 0, reject_reason::not_found};
    cursor& room = **found;

    const std::uint64_t seq = room.last + 1;
    if (seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return error{error_code::constraint, 0, "room " + m.room + " has run out of sequence numbers"};
    // Only what the kind uses is stored; the rest stays NULL, and a line
    // (most rows) stores no kind.
    const bool line = m.kind == event_kind::line;
    const bool member_event = m.kind == event_kind::member;
    const bool targets = !line && !member_event && m.kind != event_kind::topic;
    const bool with_role = member_event && (m.action == member_action::join || m.action == member_action::invite ||
                                            m.action == member_action::role);
    const bool with_until = member_event && (m.action == member_action::ban || m.action == member_action::mute);
    auto inserted = db_.run(
        "insert_message",
        {m.room, seq, m.sender, m.client_id, m.kind == event_kind::delete_line ? std::string_view() : m.text, m.ts_ms,
         line ? arg() : arg(to_string(m.kind)), targets ? arg(m.target) : arg(),
         member_event ? arg(m.subject) : arg(), member_event ? arg(to_string(m.action)) : arg(),
         with_role ? arg(to_string(m.role)) : arg(), with_until ? arg(m.until_ms) : arg()});
    if (!inserted) return std::move(inserted).error();
    if (inserted->affected() == 1) {
        room.last = seq;
        if (auto r = side_effects(m, seq); !r) return std::move(r).error();
        return append_outcome{append_status::stored, seq, m.ts_ms};
    }
    // Stored before (by any node, or earlier in this batch).
    auto dup = original(m);
    if (!dup) return std::move(dup).error();
    if (!*dup) return error{error_code::other, 0, "duplicate message of room " + m.room + " not found"};
    return **dup;
}

result<void> pg_store::side_effects(const new_message& m, std::uint64_t seq) {
    switch (m.kind) {
    case event_kind::line: return add_mentions(m, seq);
    case event_kind::edit:
        // The line shows the new text; its mentions are those of the new text.
        if (auto r = db_.run("edit_line", {m.room, m.target, m.text, m.ts_ms}); !r) return std::move(r).error();
        if (auto r = db_.run("drop_mentions", {m.room, m.target}); !r) return std::move(r).error();
        return add_mentions(m, m.target);
    case event_kind::delete_line:
        // The text goes from the line and every edit of it; the row stays.
        for (const char* stmt : {"delete_line", "erase_edits", "drop_reactions", "drop_mentions"})
            if (auto r = db_.run(stmt, {m.room, m.target}); !r) return std::move(r).error();
        return {};
    case event_kind::react: return done(db_.run("react", {m.room, m.target, m.sender, m.text}));
    case event_kind::unreact: return done(db_.run("unreact", {m.room, m.target, m.sender, m.text}));
    case event_kind::member: return member(m, seq);
    case event_kind::topic: return done(db_.run("topic", {m.room, m.text}));
    }
    return {};
}

result<void> pg_store::add_mentions(const new_message& m, std::uint64_t line) {
    for (const auto& user : m.mentions) {
        if (user.empty() || user == m.sender) continue;  // one's own line is never unread to oneself
        if (auto r = db_.run("add_mention", {user, m.room, line}); !r) return std::move(r).error();
    }
    return {};
}

result<void> pg_store::member(const new_message& m, std::uint64_t seq) {
    auto found = db_.run("select_member", {m.room, m.subject});
    if (!found) return std::move(found).error();
    std::optional<member_row> before;
    if (!found->empty())
        before = member_row{m.subject, protocol::member_role_from_string(found->text(0, 0)).value_or(member_role::member),
                            found->int64(0, 1) != 0, found->int64(0, 2), found->int64(0, 3), found->int64(0, 4)};
    const bool existed = before.has_value();
    const auto [row, keep, became_member] = apply_member_event(std::move(before), m);
    if (!keep) {
        if (existed)
            if (auto r = db_.run("delete_member", {m.room, m.subject}); !r) return std::move(r).error();
    } else {
        auto r = db_.run("upsert_member", {m.room, m.subject, to_string(row.role), row.is_member ? 1 : 0,
                                           row.banned_until, row.muted_until, row.joined_ms});
        if (!r) return std::move(r).error();
    }
    // The room's past is not unread to someone who just joined.
    if (became_member) return done(db_.run("advance_marker", {m.subject, m.room, seq}));
    // Gone from the room: its rooms list it no more (a public room is
    // listed by its marker alone for a reader who is no member).
    if (m.action == member_action::leave || m.action == member_action::remove || m.action == member_action::ban)
        return done(db_.run("forget_marker", {m.subject, m.room}));
    return {};
}

result<create_outcome> pg_store::apply(cursors& rooms, const new_room& r) {
    const std::string key = r.kind == room_kind::direct ? direct_key(r) : std::string();
    if (!key.empty()) {
        auto existing = db_.run("by_direct_key", {key});
        if (!existing) return std::move(existing).error();
        if (!existing->empty()) {
            auto state = room(existing->text(0, 0));
            if (!state) return std::move(state).error();
            return create_outcome{create_status::found, std::move(state).value()};
        }
    }
    // The name asked for, or a fresh random one (100 random bits: a clash
    // is not expected, but would not be an error).
    std::string name;
    for (int attempt = 0; attempt < 8 && name.empty(); ++attempt) {
        std::string candidate = r.name.empty() ? random_room_name() : r.name;
        auto taken = db_.run("room_exists", {candidate});
        if (!taken) return std::move(taken).error();
        if (taken->empty()) name = std::move(candidate);
        else if (!r.name.empty()) return create_outcome{create_status::exists, {}};
    }
    if (name.empty()) return error{error_code::other, 0, "no free room name found"};

    auto inserted = db_.run("insert_room", {name, r.ts_ms, to_string(r.kind), r.topic, r.created_by,
                                            key.empty() ? arg() : arg(key)});
    if (!inserted) return std::move(inserted).error();
    create_outcome out{create_status::created, {true, room_row{name, r.kind, r.topic, r.created_by, 0, r.ts_ms}, {}}};
    out.state.members = founding_members(r);
    for (const auto& m : out.state.members)
        if (auto done_member = db_.run("insert_member", {name, m.user, to_string(m.role), r.ts_ms}); !done_member)
            return std::move(done_member).error();
    rooms.emplace(name, cursor{0, 0});  // ours alone until the commit: no lock to take
    return out;
}

// The marker never passes the room's last seq (in this batch too).
result<mark_outcome> pg_store::apply(cursors& rooms, const read_mark& m) {
    std::uint64_t last = 0;
    if (auto it = rooms.find(m.room); it != rooms.end()) {
        last = it->second.last;
    } else {
        auto r = db_.run("last_seq", {m.room});
        if (!r) return std::move(r).error();
        if (r->empty()) return mark_outcome{false, 0, 0, 0};
        last = r->uint64(0, 0);
    }
    if (auto r = db_.run("advance_marker", {m.user, m.room, std::min(m.seq, last)}); !r) return std::move(r).error();
    auto now = db_.run("marker", {m.user, m.room});
    if (!now) return std::move(now).error();
    return unread(m.user, m.room, now->empty() ? 0 : now->uint64(0, 0));
}

result<mark_outcome> pg_store::unread(std::string_view user, std::string_view room, std::uint64_t after) {
    auto lines = db_.run("unread", {room, after, user, max_counted_sql});
    if (!lines) return std::move(lines).error();
    auto mentioned = db_.run("mentions", {user, room, after, max_counted_sql});
    if (!mentioned) return std::move(mentioned).error();
    mark_outcome out;
    out.seq = after;
    out.unread = lines->uint64(0, 0);
    out.mentions = mentioned->uint64(0, 0);
    return out;
}

}  // namespace chatd::store_pg
