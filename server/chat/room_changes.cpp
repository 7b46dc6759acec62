// The room's changes to itself: requests that become events of its log
// (membership and sanctions, the topic, edits, deletions and reactions),
// decided by room_policy, stored, then pushed to every member.

#include "chat/chat_metrics.hpp"
#include "chat/room.hpp"
#include "chat/wire_event.hpp"
#include "protocol/encoder.hpp"
#include "protocol/events.hpp"

#include <algorithm>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace chatd::chat {

namespace {

frame make_frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

room_action action_of(storage::member_action a) {
    using ma = storage::member_action;
    switch (a) {
        case ma::invite: return room_action::invite;
        case ma::remove: return room_action::remove;
        case ma::ban: return room_action::ban;
        case ma::unban: return room_action::unban;
        case ma::mute: return room_action::mute;
        case ma::unmute: return room_action::unmute;
        case ma::role: return room_action::set_role;
        case ma::join:
        case ma::leave: break;
    }
    return room_action::join;  // never asked for: the decoder refuses join and leave here
}

protocol::error_code code_of(verdict v) {
    switch (v) {
        case verdict::not_found: return protocol::error_code::not_found;
        case verdict::banned: return protocol::error_code::banned;
        case verdict::muted: return protocol::error_code::muted;
        case verdict::allowed:
        case verdict::forbidden: break;
    }
    return protocol::error_code::forbidden;
}

std::string_view message_of(verdict v) {
    switch (v) {
        case verdict::not_found: return "no such room";
        case verdict::banned: return "you are banned from this room";
        case verdict::muted: return "you are muted in this room";
        case verdict::allowed:
        case verdict::forbidden: break;
    }
    return "your role in this room does not allow it";
}

}  // namespace

void room::handle(const change& m) {
    if (!members_.contains(m.conn_id)) return;  // not joined: the session should have refused this already
    start_change(m, {});
}

void room::handle(const app_change& m, act::promise<posted> reply) {
    if (!ready_) {
        held_changes_.emplace_back(m, std::move(reply));  // decided once the member table is loaded
        return;
    }
    if (gone_) return reply.deliver(posted{.error = gone_code_});
    change c = m.request;
    c.app = true;
    start_change(c, std::move(reply));
}

void room::serve_held_changes() {
    for (auto& [m, reply] : std::exchange(held_changes_, {})) handle(m, std::move(reply));
}

void room::start_change(const change& m, act::promise<posted> reply) {
    // Deleting a line: whose it is decides which rule applies, and only
    // storage knows; ask it first.
    if (const auto* l = std::get_if<protocol::line_change_request>(&m.body);
        l != nullptr && l->kind == storage::event_kind::delete_line)
        return look_up_line(m, l->seq, std::move(reply));
    decide_change(m, {}, std::move(reply));
}

// The requester hears why not: the app by its reply, a member by an error.
void room::refuse_change(const change& m, act::promise<posted>& reply, protocol::error_code code,
                         std::string message) {
    if (m.app) {
        if (metrics_ != nullptr) metrics_->count_rejected(code);
        return reply.deliver(posted{.error = code});
    }
    if (auto it = members_.find(m.conn_id); it != members_.end())
        reply_error(it->second.session, m.id, code, std::move(message));
}

void room::look_up_line(const change& m, std::uint64_t seq, act::promise<posted> reply) {
    ++lookups_;
    ask(storage_, storage::read_history{name_, seq + 1, 1}, opts_.storage_timeout,
        [this, m, seq, reply = std::move(reply)](const act::result<storage::read_result>& r) mutable {
            --lookups_;
            note_if_idle();
            if (!m.app && !members_.contains(m.conn_id)) return;  // left meanwhile
            if (!r || !r->ok)
                return refuse_change(m, reply, protocol::error_code::unavailable,
                                     "the line could not be read; retry with the same client_id");
            const auto& rows = r->rows.messages;
            if (rows.empty() || rows.back().seq != seq || rows.back().kind != storage::event_kind::line ||
                rows.back().deleted)
                return refuse_change(m, reply, protocol::error_code::not_found, "no such line");
            decide_change(m, rows.back().sender, std::move(reply));
        });
}

void room::decide_change(const change& m, std::string_view line_sender, act::promise<posted> reply) {
    session_ref session;
    if (!m.app) {
        auto it = members_.find(m.conn_id);
        if (it == members_.end()) return;
        session = it->second.session;
    }
    const actor_id who{m.user, m.guest, m.app};
    storage::new_message row;
    row.room = name_;
    row.sender = m.user;
    row.ts_ms = m.ts_ms;
    verdict v = verdict::forbidden;
    if (const auto* c = std::get_if<protocol::member_change_request>(&m.body)) {
        row.client_id = c->client_id;
        row.kind = storage::event_kind::member;
        row.subject = c->user;
        row.action = c->action;
        row.role = c->action == storage::member_action::invite && !m.app ? member_role::member : c->role;
        row.until_ms = static_cast<std::int64_t>(c->until);
        if (m.app) {
            // The app sets what should be: a member it invites with another
            // role gets that role; what is so already is left alone.
            if (row.action == storage::member_action::invite && policy_.is_member(row.subject))
                row.action = storage::member_action::role;
            // (A remove still takes a connected user out of a room it is
            // in without being a member: a public room without the model.)
            const bool connected = row.action == storage::member_action::remove && users_.contains(row.subject);
            if (!policy_.changes(row.action, row.subject, row.role, wall_ms()) && !connected)
                return reply.deliver(posted{.unchanged = true});
        }
        const bool role = row.action == storage::member_action::role;
        v = policy_.decide(who, action_of(row.action), wall_ms(), row.subject,
                           role ? std::optional<member_role>(row.role) : std::nullopt);
    } else if (const auto* t = std::get_if<protocol::set_topic_request>(&m.body)) {
        v = policy_.decide(who, room_action::set_topic, wall_ms());
        // The app sets what should be: the topic it has already is left alone.
        if (m.app && v == verdict::allowed && t->topic == topic_) return reply.deliver(posted{.unchanged = true});
        row.client_id = t->client_id;
        row.kind = storage::event_kind::topic;
        row.text = t->topic;
    } else if (const auto* l = std::get_if<protocol::line_change_request>(&m.body)) {
        if (l->kind == storage::event_kind::delete_line)
            v = line_sender == m.user ? policy_.decide(who, room_action::delete_own, wall_ms())
                                      : policy_.decide(who, room_action::delete_any, wall_ms(), line_sender);
        else  // edit (storage checks the line is the sender's), react, unreact
            v = policy_.decide(who, room_action::send, wall_ms());
        row.client_id = l->client_id;
        row.kind = l->kind;
        row.target = l->seq;
        row.text = l->text;
        // The line shows the new text, so it mentions whom that names.
        if (l->kind == storage::event_kind::edit) row.mentions = mentions_in(row.text, row.sender);
    }
    if (v != verdict::allowed) return refuse_change(m, reply, code_of(v), std::string(message_of(v)));
    const std::uint64_t token = ++next_token_;
    if (!append(token, row))
        return refuse_change(m, reply, protocol::error_code::unavailable,
                             "storage is overloaded; retry with the same client_id");
    pending_.emplace(token, pending_post{m.conn_id, session, m.id, std::move(row), std::move(reply)});
}

// Stored: encoded once; with a bus, published and let through in seq order
// with the other nodes' events, else let through at once.
void room::committed(const pending_post& p, std::uint64_t seq, std::int64_t ts_ms) {
    const storage::new_message& row = p.row;
    cluster_event e{seq, {}, {}};
    if (row.kind == storage::event_kind::line) {
        e.data = make_frame(protocol::encode(protocol::message_event{name_, seq, row.sender, row.text, ts_ms,
                                                                      row.client_id}));
    } else {
        storage::stored_message stored{name_, seq, row.sender, row.client_id, row.text, ts_ms, row.kind, row.target,
                                       row.subject, row.action, row.role, row.until_ms};
        std::vector<protocol::reaction> none;
        e.data = make_frame(protocol::encode(wire_event(name_, stored, none)));
        if (row.kind == storage::event_kind::topic || row.kind == storage::event_kind::member)
            e.effects = std::make_shared<const storage::new_message>(row);
    }
    if (!bus_.on()) return let_through(e, p.conn_id);
    // A publish the publisher's full mailbox refuses is lost like one Redis
    // missed, without a tick: safe, as the event is stored; the other nodes
    // read it from the store when this room's next event shows them the
    // gap, or when they next resubscribe.
    bus_.publisher.tell(bus_publish{name_, e});
    offer(std::move(e), p.conn_id);
}

// The room's state follows the event, then every member hears it.
void room::let_through(const cluster_event& e, std::uint64_t origin) {
    last_seq_ = std::max(last_seq_, e.seq);
    const storage::new_message* row = e.effects.get();
    if (row != nullptr && row->kind == storage::event_kind::topic) topic_ = row->text;
    if (row != nullptr && row->kind == storage::event_kind::member) apply_member_event(*row);
    broadcast(e.data, e.seq);
    if (metrics_ != nullptr) bump(metrics_->delivered, members_.size());
    if (row != nullptr && row->kind == storage::event_kind::member) tell_user(*row, origin);
}

// The user acted on hears of it. Made a member by another (an invite), on
// every connection, so its room list shows the room at once; by a join its
// token grants, on its connections outside the room (the one that joined
// has `joined`). Removed or banned, or giving the room up itself (a leave
// with forget), on its connections in the room, which leave it, and
// through users_told_ on the others, whose lists drop it: the one that
// left has `left`. The user's own doing spends its push budget too, so a
// token granting many rooms cannot flood its other connections either.
void room::tell_user(const storage::new_message& row, std::uint64_t origin) {
    using ma = storage::member_action;
    const bool own = row.action == ma::join || row.action == ma::leave;
    std::vector<std::uint64_t> in_room = conns_of(row.subject);
    if (own && origin != 0) in_room.push_back(origin);
    if ((row.action == ma::invite || row.action == ma::join) && users_told_ != nullptr &&
        policy_.is_member(row.subject)) {
        const member_state* s = policy_.find(row.subject);
        const frame added = make_frame(protocol::encode(
            protocol::room_added_event{name_, policy_.kind(), topic_, s->role, row.sender, last_seq_}));
        users_told_->notify(row.subject, added,
                            row.action == ma::join ? std::span<const std::uint64_t>(in_room)
                                                   : std::span<const std::uint64_t>{});
    }
    if (row.action != ma::remove && row.action != ma::ban && row.action != ma::leave) return;
    const auto reason = row.action == ma::ban     ? protocol::removal_reason::banned
                        : row.action == ma::leave ? protocol::removal_reason::left
                                                  : protocol::removal_reason::removed;
    const frame removed = make_frame(protocol::encode(protocol::removed_event{name_, reason}));
    if (users_told_ != nullptr) users_told_->notify(row.subject, removed, in_room);
    unsubscribe_user(row.subject, removed);
}

// Storage has made the room of this name while the room ran without a
// stored row (public, joined before anything was stored). Nothing was in
// its log then, so what the room holds already (a member event in flight,
// a topic set since) is newer than what was made: take on the rest.
void room::handle(const room_created& m) {
    if (!ready_) {
        created_ = std::make_unique<storage::room_state>(m.state);  // on_loaded takes it on
        return;
    }
    take_on(m.state);
}

void room::take_on(const storage::room_state& made) {
    if (gone_ || !made.exists || made.room.kind != policy_.kind()) return;
    if (last_seq_ == 0) topic_ = made.room.topic;
    for (const auto& m : made.members)
        if (policy_.find(m.user) == nullptr)
            policy_.set(m.user, member_state{m.is_member, m.role, m.banned_until, m.muted_until});
}

// The member table as storage now holds it (event_store::member does the same).
void room::apply_member_event(const storage::new_message& row) {
    using ma = storage::member_action;
    const member_state* found = policy_.find(row.subject);
    member_state s = found != nullptr ? *found : member_state{};
    const auto until = row.until_ms == 0 ? forever_ms : row.until_ms;
    switch (row.action) {
        case ma::join:
        case ma::invite:
            if (!s.member) s = member_state{true, row.role, s.banned_until_ms, s.muted_until_ms};
            break;
        case ma::leave:
        case ma::remove:
            s.member = false;
            s.role = member_role::member;
            break;
        case ma::ban:
            s.member = false;
            s.role = member_role::member;
            s.banned_until_ms = until;
            break;
        case ma::unban: s.banned_until_ms = 0; break;
        case ma::mute: s.muted_until_ms = until; break;
        case ma::unmute: s.muted_until_ms = 0; break;
        case ma::role: s.role = row.role; break;
    }
    policy_.set(row.subject, s);
}

// Every connection of `user` leaves the room: it is told why, and its
// session forgets the room.
void room::unsubscribe_user(const std::string& user, const frame& data) {
    for (const auto conn : conns_of(user)) {
        const session_ref s = members_.at(conn).session;
        unwatch(s);
        remove_member(conn);
        s.tell(unsubscribed{name_, data});
    }
}

// The connections of `user` in the room, on this node.
std::vector<std::uint64_t> room::conns_of(const std::string& user) const {
    std::vector<std::uint64_t> conns;
    for (const auto& [conn, m] : members_)
        if (m.user->first == user) conns.push_back(conn);
    return conns;
}

void room::handle(const list_members& m) {
    auto it = members_.find(m.conn_id);
    if (it == members_.end()) return;
    const std::int64_t now_ms = wall_ms();
    std::vector<protocol::member_entry> out;
    for (const auto& [user, s] : policy_.members()) {
        if (!s.member) continue;
        protocol::member_entry e{user, s.role};
        if (in_force(s.muted_until_ms, now_ms)) {
            e.muted = true;
            e.muted_until = s.muted_until_ms == forever_ms ? 0 : static_cast<std::uint64_t>(s.muted_until_ms);
        }
        out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.user < b.user; });
    it->second.session.tell(deliver{name_, make_frame(protocol::encode(protocol::members_event{m.id, name_, out})), 0});
}

}  // namespace chatd::chat
