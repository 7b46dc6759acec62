#pragma once

// Stand-ins for the room's neighbours, for tests on the deterministic
// executor: a storage writer that numbers lines in memory (and commits only
// when told, so a test can see what happens before a commit), and a session
// that records every frame it is given.

#include "../actor/fixture.hpp"
#include "chat/messages.hpp"
#include "storage/writer_messages.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace chatd::test {

/// What the fake storage holds; shared with the test.
struct fake_db {
    std::map<std::string, std::vector<storage::stored_message>> rooms;
    std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> by_client_id;
    std::vector<storage::append> uncommitted;
    bool fail_next = false;  ///< the next commit fails: every line in it gets `failed`
    /// Rooms storage knows with their kind, topic and members (read_room);
    /// a room not here but with rows is a public room without members.
    std::map<std::string, storage::room_state> states;
};

/// Commits what the fake storage holds (a message to it, so it runs in order).
struct commit_now {};

class fake_storage final
    : public act::actor<storage::append, storage::read_history, storage::read_room, commit_now> {
public:
    fake_storage(std::shared_ptr<fake_db> db, bool auto_commit) : db_(std::move(db)), auto_(auto_commit) {}

    void handle(const storage::append& a) override {
        db_->uncommitted.push_back(a);
        if (auto_) commit();
    }
    void handle(const commit_now&) override { commit(); }
    storage::read_result handle(const storage::read_history& r) override {
        commit();  // like the real writer: a read sees every earlier append
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

private:
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
    static storage::reject_reason target_rule(const std::vector<storage::stored_message>& rows,
                                              const storage::new_message& m) {
        using k = storage::event_kind;
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
