#pragma once

// Stand-ins for the room's neighbours, for tests on the deterministic
// executor: a storage writer that numbers lines in memory (and commits only
// when told, so a test can see what happens before a commit), and a session
// that records every frame it is given.

#include "../actor/fixture.hpp"
#include "chat/messages.hpp"
#include "chat/user_notifier.hpp"
#include "storage/writer_messages.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace chatd::test {

/// What the fake storage holds; shared with the test.
struct fake_db {
    std::map<std::string, std::vector<storage::stored_message>> rooms;
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> by_client_id;
    std::vector<storage::append> uncommitted;
    std::vector<storage::new_message> appended;  ///< every append asked for, in order
    bool fail_next = false;  ///< the next commit fails: every line in it gets `failed`
    /// Rooms storage knows with their kind, topic and members (read_room);
    /// a room not here but with rows is a public room without members.
    std::map<std::string, storage::room_state> states;
    std::map<std::string, std::string> directs;  ///< direct_key -> room (create_room)
    std::map<std::pair<std::string, std::string>, std::uint64_t> markers;  ///< (user, room) -> read marker
    int made = 0;  ///< rooms named by create_room so far
    int history_reads = 0;  ///< read_history asked so far
    int failing_reads = 0;  ///< the next n read_history fail (storage away)
};

/// Commits what the fake storage holds (a message to it, so it runs in order).
struct commit_now {};

class fake_storage final
    : public act::actor<storage::append, storage::read_history, storage::read_room, commit_now, storage::create_room,
                        storage::mark_read, storage::read_user_rooms> {
public:
    fake_storage(std::shared_ptr<fake_db> db, bool auto_commit) : db_(std::move(db)), auto_(auto_commit) {}

    void handle(const storage::append& a) override {
        db_->appended.push_back(a.row);
        db_->uncommitted.push_back(a);
        if (auto_) commit();
    }
    void handle(const commit_now&) override { commit(); }
    storage::read_result handle(const storage::read_history& r) override {
        commit();  // like the real writer: a read sees every earlier append
        ++db_->history_reads;
        if (db_->failing_reads > 0) {
            --db_->failing_reads;
            return storage::read_result{false, {}, "storage is away"};
        }
        storage::read_result out{true, {}, {}};
        const auto& rows = db_->rooms[r.room];
        // The newest `limit` before `before`, ascending; has_more: older exist.
        auto end = rows.begin();
        while (end != rows.end() && (!r.before || end->seq < *r.before)) ++end;
        const auto n = std::min<std::size_t>(r.limit, static_cast<std::size_t>(end - rows.begin()));
        out.rows.messages.assign(end - static_cast<std::ptrdiff_t>(n), end);
        out.rows.has_more = end - static_cast<std::ptrdiff_t>(n) != rows.begin();
        return out;
    }
    storage::answer<storage::room_state> handle(const storage::read_room& r) override {
        storage::answer<storage::room_state> out{true, {}, {}};
        if (auto it = db_->states.find(r.room); it != db_->states.end()) out.value = it->second;
        const auto& rows = db_->rooms[r.room];
        out.value.room.name = r.room;
        out.value.room.last_seq = rows.empty() ? 0 : rows.back().seq;
        out.value.exists = out.value.exists || !rows.empty();
        return out;
    }

    // Rooms, markers and a user's rooms as the writer keeps them (room_store,
    // marker_store), with no mentions.
    void handle(const storage::create_room& c, act::promise<storage::answer<storage::create_outcome>> reply) override {
        commit();
        using storage::create_status;
        storage::new_room r = c.room;
        storage::answer<storage::create_outcome> out{true, {}, {}};
        std::string key;
        if (r.kind == storage::room_kind::direct) {
            if (std::find(r.users.begin(), r.users.end(), r.created_by) == r.users.end()) r.users.push_back(r.created_by);
            std::sort(r.users.begin(), r.users.end());
            for (const auto& u : r.users) key += u + "\n";
            if (auto it = db_->directs.find(key); it != db_->directs.end()) {
                out.value = {create_status::found, db_->states[it->second]};
                return reply.deliver(std::move(out));
            }
        }
        if (r.name.empty()) r.name = "!room" + std::to_string(++db_->made);
        if (db_->states.contains(r.name) || !db_->rooms[r.name].empty()) {
            out.value.status = create_status::exists;
            return reply.deliver(std::move(out));
        }
        storage::room_state st{true, storage::room_row{r.name, r.kind, r.topic, r.created_by, 0, r.ts_ms}, {}};
        if (r.kind == storage::room_kind::direct) {
            for (const auto& u : r.users) st.members.push_back({u, storage::member_role::member, true, 0, 0, r.ts_ms});
            db_->directs[key] = r.name;
        } else {
            st.members.push_back({r.created_by, storage::member_role::owner, true, 0, 0, r.ts_ms});
        }
        db_->states[r.name] = st;
        out.value = {create_status::created, st};
        reply.deliver(std::move(out));
    }
    void handle(const storage::mark_read& m, act::promise<storage::answer<storage::mark_outcome>> reply) override {
        commit();
        storage::answer<storage::mark_outcome> out{true, {}, {}};
        const auto& rows = db_->rooms[m.mark.room];
        if (!db_->states.contains(m.mark.room) && rows.empty()) {
            out.value.found = false;
            return reply.deliver(std::move(out));
        }
        auto& marker = db_->markers[{m.mark.user, m.mark.room}];
        marker = std::max(marker, std::min<std::uint64_t>(m.mark.seq, rows.size()));
        out.value.seq = marker;
        out.value.unread = unread(m.mark.user, rows, marker);
        reply.deliver(std::move(out));
    }
    storage::answer<std::vector<storage::user_room>> handle(const storage::read_user_rooms& r) override {
        commit();
        storage::answer<std::vector<storage::user_room>> out{true, {}, {}};
        for (const auto& [name, st] : db_->states) {
            if (!r.only_room.empty() && name != r.only_room) continue;
            for (const auto& m : st.members) {
                if (m.user != r.user || !m.is_member) continue;
                const auto& rows = db_->rooms[name];
                const std::uint64_t read = db_->markers[{r.user, name}];
                out.value.push_back(storage::user_room{name, st.room.kind, st.room.topic, m.role, rows.size(), read,
                                                       unread(r.user, rows, read), 0});
            }
        }
        return out;
    }

private:
    static std::uint64_t unread(const std::string& user, const std::vector<storage::stored_message>& rows,
                                std::uint64_t after) {
        return static_cast<std::uint64_t>(std::count_if(rows.begin(), rows.end(), [&](const auto& row) {
            return row.seq > after && row.kind == storage::event_kind::line && !row.deleted && row.sender != user;
        }));
    }

    void commit() {
        const bool fail = std::exchange(db_->fail_next, false);
        for (auto& a : std::exchange(db_->uncommitted, {})) {
            using st = storage::append_done::status;
            if (fail) {
                a.reply_to.tell(storage::append_done{a.token, st::failed, 0, 0});
                continue;
            }
            const auto key = std::make_tuple(a.row.room, a.row.sender, a.row.client_id);
            if (auto it = db_->by_client_id.find(key); it != db_->by_client_id.end()) {
                const auto& orig = db_->rooms[a.row.room][it->second - 1];
                a.reply_to.tell(storage::append_done{a.token, st::duplicate, orig.seq, orig.ts_ms});
                continue;
            }
            auto& rows = db_->rooms[a.row.room];
            if (auto why = target_rule(rows, a.row); why != storage::reject_reason::none) {
                a.reply_to.tell(storage::append_done{a.token, st::rejected, 0, 0, why});
                continue;
            }
            const std::uint64_t seq = rows.size() + 1;
            storage::stored_message row{a.row.room, seq, a.row.sender, a.row.client_id, a.row.text, a.row.ts_ms};
            row.kind = a.row.kind;
            row.target = a.row.target;
            row.subject = a.row.subject;
            row.action = a.row.action;
            if (a.row.kind == storage::event_kind::delete_line) rows[a.row.target - 1].deleted = true;
            if (a.row.kind == storage::event_kind::edit) {
                rows[a.row.target - 1].text = a.row.text;
                rows[a.row.target - 1].edited_ms = a.row.ts_ms;
            }
            rows.push_back(std::move(row));
            db_->by_client_id[key] = seq;
            a.reply_to.tell(storage::append_done{a.token, st::stored, seq, a.row.ts_ms});
        }
    }

    // The store's target rules (event_store::check): an edit, delete or
    // reaction needs a line of the room, not deleted; an edit, the sender's.
    // And the writers' guard (storage::storable): no NUL in the text.
    static storage::reject_reason target_rule(const std::vector<storage::stored_message>& rows,
                                              const storage::new_message& m) {
        using k = storage::event_kind;
        if (m.text.find('\0') != std::string::npos) return storage::reject_reason::not_storable;
        if (m.kind != k::edit && m.kind != k::delete_line && m.kind != k::react && m.kind != k::unreact)
            return storage::reject_reason::none;
        if (m.target == 0 || m.target > rows.size()) return storage::reject_reason::not_found;
        const auto& line = rows[m.target - 1];
        if (line.kind != k::line || line.deleted) return storage::reject_reason::not_found;
        if (m.kind == k::edit && line.sender != m.sender) return storage::reject_reason::forbidden;
        return storage::reject_reason::none;
    }

    std::shared_ptr<fake_db> db_;
    bool auto_;
};

/// One frame a session was given, parsed.
struct seen {
    std::string type;
    std::string json;
};
using inbox = std::shared_ptr<std::vector<seen>>;

/// A frame as written to a client, with its type read out.
inline seen parsed(const std::string& json) {
    simdjson::dom::parser p;
    std::string_view type;
    if (p.parse(json)["type"].get(type) != simdjson::SUCCESS) type = "unparseable";
    return seen{std::string(type), json};
}

class fake_session final : public act::actor<chat::deliver, chat::room_reset, chat::unsubscribed> {
public:
    explicit fake_session(inbox frames) : frames_(std::move(frames)) {}
    void handle(const chat::deliver& d) override { frames_->push_back(parsed(*d.data)); }
    void handle(const chat::room_reset& r) override { frames_->push_back(seen{"room_reset", r.room}); }
    /// Recorded as the frame it carries, then a marker of type "unsubscribed".
    void handle(const chat::unsubscribed& u) override {
        frames_->push_back(parsed(*u.data));
        frames_->push_back(seen{"unsubscribed", u.room});
    }

private:
    inbox frames_;
};

/// A user's connections as session::user_directory lists them, for a room
/// to reach those outside it: a push goes to every connection of its user
/// but those left out, parsed into their inboxes. No budget: notify()s
/// are counted instead.
class fake_notifier final : public chat::user_notifier {
public:
    /// Lists the connection of id `conn` of `user`, whose frames go to `frames`.
    void add(const std::string& user, std::uint64_t conn, inbox frames) {
        conns_.emplace(user, std::make_pair(conn, std::move(frames)));
    }
    std::size_t notify(const std::string& user, const chat::frame& data,
                       std::span<const std::uint64_t> except) override {
        ++pushes;
        std::size_t told = 0;
        const auto [first, last] = conns_.equal_range(user);
        for (auto it = first; it != last; ++it) {
            if (std::find(except.begin(), except.end(), it->second.first) != except.end()) continue;
            it->second.second->push_back(parsed(*data));
            ++told;
        }
        return told;
    }

    int pushes = 0;  ///< notify() calls so far

private:
    std::multimap<std::string, std::pair<std::uint64_t, inbox>> conns_;
};

/// Field `key` of a frame, as a string (numbers and booleans printed).
inline std::string field(const seen& s, const char* key) {
    simdjson::dom::parser p;
    simdjson::dom::element root;
    if (p.parse(s.json).get(root) != simdjson::SUCCESS) return "<bad json>";
    simdjson::dom::element v;
    if (root[key].get(v) != simdjson::SUCCESS) return "<absent>";
    if (v.is_string()) return std::string(v.get_string().value());
    return simdjson::minify(v);
}

/// The frames of one type, in order.
inline std::vector<seen> of_type(const inbox& frames, const std::string& type) {
    std::vector<seen> out;
    for (const auto& f : *frames)
        if (f.type == type) out.push_back(f);
    return out;
}

}  // namespace chatd::test
