#include "storage/event_store.hpp"

#include "storage/event_rules.hpp"
#include "storage/marker_store.hpp"
#include "storage/prepared.hpp"

#include <optional>
#include <string>
#include <utility>

namespace chatd::storage {

namespace {

std::int64_t as_int(std::uint64_t v) noexcept { return static_cast<std::int64_t>(v); }

bool has_target(event_kind k) noexcept {
    return k == event_kind::edit || k == event_kind::delete_line || k == event_kind::react || k == event_kind::unreact;
}

}  // namespace

event_store::event_store(database& db)
    : target_(prepare_or_throw(db,
                               "SELECT kind IS NULL, sender, deleted FROM messages WHERE room = ?1 AND seq = ?2")),
      edit_line_(prepare_or_throw(db, "UPDATE messages SET text = ?3, edited_ms = ?4 WHERE room = ?1 AND seq = ?2")),
      delete_line_(prepare_or_throw(db, "UPDATE messages SET text = '', deleted = 1 WHERE room = ?1 AND seq = ?2")),
      // INDEXED BY: without statistics the planner would walk the room's
      // whole log by its primary key instead.
      erase_edits_(prepare_or_throw(db,
                                    "UPDATE messages INDEXED BY messages_target SET text = '' "
                                    "WHERE room = ?1 AND target = ?2 AND kind = 'edit'")),
      drop_reactions_(prepare_or_throw(db, "DELETE FROM reactions WHERE room = ?1 AND seq = ?2")),
      drop_mentions_(prepare_or_throw(db, "DELETE FROM mentions WHERE room = ?1 AND seq = ?2")),
      add_mention_(prepare_or_throw(db, "INSERT OR IGNORE INTO mentions (user, room, seq) VALUES (?1, ?2, ?3)")),
      react_(prepare_or_throw(db, "INSERT OR IGNORE INTO reactions (room, seq, user, emoji) VALUES (?1, ?2, ?3, ?4)")),
      unreact_(prepare_or_throw(db,
                                "DELETE FROM reactions WHERE room = ?1 AND seq = ?2 AND user = ?3 AND emoji = ?4")),
      topic_(prepare_or_throw(db, "UPDATE rooms SET topic = ?2 WHERE name = ?1")),
      select_member_(prepare_or_throw(db,
                                      "SELECT role, is_member, banned_until, muted_until, joined_ms FROM members "
                                      "WHERE room = ?1 AND user = ?2")),
      upsert_member_(prepare_or_throw(
          db,
          "INSERT INTO members (room, user, role, is_member, banned_until, muted_until, joined_ms) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (room, user) DO UPDATE SET role = excluded.role, "
          "is_member = excluded.is_member, banned_until = excluded.banned_until, "
          "muted_until = excluded.muted_until, joined_ms = excluded.joined_ms")),
      delete_member_(prepare_or_throw(db, "DELETE FROM members WHERE room = ?1 AND user = ?2")) {}

result<reject_reason> event_store::check(const new_message& m) {
    if (!has_target(m.kind)) return reject_reason::none;
    auto s = target_.scope();
    target_.bind(1, m.room).bind(2, as_int(m.target));
    auto row = target_.step();
    if (!row) return std::move(row).error();
    // A line that is not there, is not a line, or is a tombstone: the same
    // answer, so an edit cannot tell a deleted line from one never written.
    if (!*row || target_.column_int64(0) == 0 || target_.column_int64(2) != 0)
        return reject_reason::not_found;
    if (m.kind == event_kind::edit && target_.column_text(1) != m.sender) return reject_reason::forbidden;
    return reject_reason::none;
}

result<void> event_store::apply(const new_message& m, std::uint64_t seq, marker_store& markers) {
    switch (m.kind) {
    case event_kind::line: return add_mentions(m, seq);
    case event_kind::edit: return edit(m);
    case event_kind::delete_line: return erase(m);
    case event_kind::react:
        return run_once(react_.bind(1, m.room).bind(2, as_int(m.target)).bind(3, m.sender).bind(4, m.text));
    case event_kind::unreact:
        return run_once(unreact_.bind(1, m.room).bind(2, as_int(m.target)).bind(3, m.sender).bind(4, m.text));
    case event_kind::member: return member(m, seq, markers);
    case event_kind::topic: return run_once(topic_.bind(1, m.room).bind(2, m.text));
    }
    return {};
}

// The line shows the new text; its mentions are those of the new text.
result<void> event_store::edit(const new_message& m) {
    if (auto r = run_once(edit_line_.bind(1, m.room).bind(2, as_int(m.target)).bind(3, m.text).bind(4, m.ts_ms)); !r)
        return r;
    if (auto r = run_once(drop_mentions_.bind(1, m.room).bind(2, as_int(m.target))); !r) return r;
    return add_mentions(m, m.target);
}

// The text goes from the line and from every edit of it (secure_delete,
// set on the connection, zeroes it in the file too); the row stays.
result<void> event_store::erase(const new_message& m) {
    const auto line = as_int(m.target);
    if (auto r = run_once(delete_line_.bind(1, m.room).bind(2, line)); !r) return r;
    if (auto r = run_once(erase_edits_.bind(1, m.room).bind(2, line)); !r) return r;
    if (auto r = run_once(drop_reactions_.bind(1, m.room).bind(2, line)); !r) return r;
    return run_once(drop_mentions_.bind(1, m.room).bind(2, line));
}

result<void> event_store::add_mentions(const new_message& m, std::uint64_t line) {
    for (const auto& user : m.mentions) {
        if (user.empty() || user == m.sender) continue;  // one's own line is never unread to oneself
        if (auto r = run_once(add_mention_.bind(1, user).bind(2, m.room).bind(3, as_int(line))); !r) return r;
    }
    return {};
}

result<void> event_store::member(const new_message& m, std::uint64_t seq, marker_store& markers) {
    std::optional<member_row> before;
    {
        auto s = select_member_.scope();
        select_member_.bind(1, m.room).bind(2, m.subject);
        auto found = select_member_.step();
        if (!found) return std::move(found).error();
        if (*found)
            before = member_row{m.subject,
                                protocol::member_role_from_string(select_member_.column_text(0)).value_or(member_role::member),
                                select_member_.column_int64(1) != 0, select_member_.column_int64(2),
                                select_member_.column_int64(3), select_member_.column_int64(4)};
    }
    const bool existed = before.has_value();
    const auto [row, keep, became_member] = apply_member_event(std::move(before), m);
    if (!keep) {
        // Nothing left to remember about this user here.
        if (existed)
            if (auto r = run_once(delete_member_.bind(1, m.room).bind(2, m.subject)); !r) return r;
    } else {
        upsert_member_.bind(1, m.room)
            .bind(2, m.subject)
            .bind(3, to_string(row.role))
            .bind(4, std::int64_t{row.is_member ? 1 : 0})
            .bind(5, row.banned_until)
            .bind(6, row.muted_until)
            .bind(7, row.joined_ms);
        if (auto r = run_once(upsert_member_); !r) return r;
    }
    if (became_member) return markers.advance(m.subject, m.room, seq);
    // Gone from the room: its rooms list it no more (a public room is
    // listed by its marker alone for a reader who is no member).
    if (m.action == member_action::leave || m.action == member_action::remove || m.action == member_action::ban)
        return markers.forget(m.subject, m.room);
    return {};
}

}  // namespace chatd::storage
