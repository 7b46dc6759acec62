#include "chat/room.hpp"

#include "act/system.hpp"
#include "chat/chat_metrics.hpp"
#include "chat/mentions.hpp"
#include "chat/wire_event.hpp"
#include "protocol/encoder.hpp"
#include "protocol/events.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <utility>

namespace chatd::chat {

namespace {
frame make_frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// One answer for a room that does not exist and one the user may not see.
constexpr std::string_view no_such_room = "no such room";

// Who makes the events the server makes on its own (as the HTTP API's).
constexpr std::string_view server_user = "system";
}  // namespace

room::room(std::string name, storage_ref storage, room_options opts, lobby_ref lobby, const chat_metrics* metrics,
           cluster_link bus, user_notifier* users)
    : name_(std::move(name)), storage_(std::move(storage)), opts_(opts), lobby_(std::move(lobby)), metrics_(metrics),
      bus_(std::move(bus)), users_told_(users) {
    if (metrics_ != nullptr && metrics_->rooms != nullptr) metrics_->rooms->inc();
}

room::~room() {
    if (metrics_ != nullptr && metrics_->rooms != nullptr) metrics_->rooms->dec();
}

void room::on_start() {
    // Tokens of an earlier incarnation (before a restart) must never match ours.
    next_token_ = std::uint64_t{self_cell().incarnation()} << 40;
    // Subscribed before the room's state is read: what commits after the
    // read comes by the bus (or by the catch-up the bus asks for).
    if (bus_.on()) {
        bus_.subscriber.tell(bus_watch{name_, room_bus_ref(self())});
        presence_due_ = true;
        send_after(opts_.presence_wait, presence_check{});
    }
    ask(storage_, storage::read_room{name_}, opts_.storage_timeout,
        [this](const act::result<storage::answer<storage::room_state>>& r) { on_loaded(r); });
}

void room::on_loaded(const act::result<storage::answer<storage::room_state>>& r) {
    if (!r) throw std::runtime_error("room " + name_ + ": storage did not answer: " +
                                     std::string(act::to_string(r.error())));
    ready_ = true;
    if (!r->ok) return refuse_all_and_retire(protocol::error_code::unavailable, "the room is not available");
    const storage::room_state& state = r->value;
    // Names starting with '!' are the server's (private and direct rooms):
    // a join never creates one.
    if (!state.exists && name_.starts_with('!')) return refuse_all_and_retire(protocol::error_code::not_found, no_such_room);
    last_seq_ = state.room.last_seq;
    topic_ = state.room.topic;
    policy_ = room_policy(state.exists ? state.room.kind : room_kind::public_room);
    for (const auto& m : state.members)
        policy_.set(m.user, member_state{m.is_member, m.role, m.banned_until, m.muted_until});
    gate_.start(last_seq_);
    if (auto made = std::move(created_)) take_on(*made);  // read before it was made, perhaps
    if (std::exchange(catch_up_due_, false)) fill_from_store();
    admit_waiting();
    serve_held_changes();
    note_if_idle();
}

// Every join waiting, and every later one, is refused; the room asks the
// lobby to retire it at once, so no room runs for a name that does not
// exist (the lobby starts a fresh one, which reads storage again, for the
// next join).
void room::refuse_all_and_retire(protocol::error_code code, std::string_view message) {
    gone_ = true;
    gone_code_ = code;
    presence_due_ = false;  // nobody is admitted: no join waits for presence
    for (auto& j : std::exchange(waiting_, {})) refuse(j, code, message);
    serve_held_changes();
    if (lobby_) lobby_.tell(room_idle{name_, id()});
}

void room::on_stop() {
    // On a restart the new instance knows no members: tell them to join
    // again; their replay fills whatever they missed.
    for (auto& [conn, m] : members_) m.session.tell(room_reset{name_});
    if (bus_.on()) {
        bus_.subscriber.tell(bus_unwatch{name_, id()});
        // A restart: the new instance knows none of them until they join again.
        for (const auto& [user, count] : users_) bus_.publisher.tell(bus_presence{name_, user, false});
    }
}

void room::on_down(const act::down_notice& d) { remove_member(d.id); }

// ---- membership ---------------------------------------------------------------

void room::handle(const join& m) {
    if (!ready_ || presence_due_) {
        waiting_.push_back(m);
        return;
    }
    decide_join(m);
}

void room::decide_join(const join& m) {
    if (gone_)
        return refuse(m, gone_code_,
                      gone_code_ == protocol::error_code::not_found ? no_such_room : "the room is not available");
    const bool grant = honours_grant(m);
    switch (policy_.decide({m.user, m.guest}, room_action::join, wall_ms())) {
        case verdict::allowed: break;
        case verdict::banned: return refuse(m, protocol::error_code::banned, "you are banned from this room");
        default:
            if (!grant) return refuse(m, protocol::error_code::not_found, no_such_room);
    }
    if (grant && !join_granted(m))
        return refuse(m, protocol::error_code::unavailable, "storage is overloaded; join again");
    // Joining a public room does not make the user a member: a room of ten
    // thousand readers would otherwise store ten thousand member events and
    // push each one to everyone (docs/protocol.md, "Rooms, members and roles").
    admit(m);
}

// A token's grant counts for users with a token (never guests) in rooms
// with members, except direct rooms: those are their set of users and
// nobody else's.
bool room::honours_grant(const join& m) const {
    return m.granted && !m.guest && opts_.membership_events && policy_.kind() != room_kind::direct;
}

// The user's token grants the room: a member join event with the granted
// role when the user is not a member, or a role event (from the server, on
// the token's word) when its role is another. The token is the issuer's
// word for this room, so it wins over a role set in the room meanwhile.
// False: storage refused the event.
bool room::join_granted(const join& m) {
    const member_state* me = policy_.find(m.user);
    const bool is_member = me != nullptr && me->member;
    if (is_member && me->role == *m.granted) return true;
    if (!append_membership(m.user, is_member ? storage::member_action::role : storage::member_action::join, m.conn_id,
                           *m.granted, is_member ? server_user : std::string_view{}))
        return false;
    // In at once, with the role the event gives: what the user asks next
    // need not wait for the commit, and a second join makes no second event.
    member_state s = me != nullptr ? *me : member_state{};
    s.member = true;
    s.role = *m.granted;
    policy_.set(m.user, s);
    return true;
}

// A member event about the user that nobody asked for (leave with forget,
// a token's grant), stored like any other and answered to nobody; from the
// user itself unless `sender` says. False: storage refused it.
bool room::append_membership(const std::string& user, storage::member_action action, std::uint64_t conn_id,
                             member_role role, std::string_view sender) {
    const std::uint64_t token = ++next_token_;
    storage::new_message row{.room = name_, .sender = std::string(sender.empty() ? user : sender), .client_id = {},
                             .text = {}, .ts_ms = wall_ms(), .kind = storage::event_kind::member, .subject = user,
                             .action = action, .role = role};
    // Unique across the room's restarts (whose tokens may repeat), so a
    // later join, after the user gave membership up, is never a duplicate.
    row.client_id = "sys:" + std::string(protocol::to_string(action)) + ":" + std::to_string(row.ts_ms) + ":" +
                    std::to_string(token);
    if (!append(token, row)) return false;
    pending_.emplace(token, pending_post{conn_id, {}, {}, std::move(row), {}});
    return true;
}

void room::refuse(const join& m, protocol::error_code code, std::string_view message) {
    if (metrics_ != nullptr) metrics_->count_rejected(code);
    m.session.tell(unsubscribed{name_, make_frame(protocol::encode(protocol::error_event{m.id, code, message}))});
}

void room::admit(const join& m) {
    const std::uint64_t conn = m.conn_id;
    const bool is_new = !members_.contains(conn);
    if (is_new) {
        auto& user = *users_.try_emplace(m.user, 0).first;
        members_.emplace(conn, member{&user, m.session});
        monitor(m.session);  // a session that dies leaves the room
        if (user.second++ == 0) user_arrived(m.user, conn);
    }
    // Who is in it on every node (presence_count: the users of other nodes too).
    const auto names = present_count() <= opts_.presence_limit ? member_names() : std::vector<std::string>{m.user};
    protocol::joined_event e{m.id, name_, names, last_seq_, present_count()};
    if (opts_.membership_events) {
        // The room model's fields (read markers and counts come with `read`).
        e.kind = policy_.kind();
        e.topic = topic_;
        const member_state* me = policy_.find(m.user);
        if (me != nullptr && me->member) e.role = me->role;
        if (m.counts) {
            e.read = m.counts->read;
            e.unread = m.counts->unread;
            e.mentions = m.counts->mentions;
        }
    }
    m.session.tell(deliver{name_, make_frame(protocol::encode(e)), 0});
    if (m.since) start_replay(conn, *m.since);
}

void room::handle(const leave& m) {
    auto it = members_.find(m.conn_id);
    if (it == members_.end()) return;  // the session checks membership; a late leave is harmless
    const session_ref s = it->second.session;
    // The user gives the room up: a member leave event (the reply does not
    // wait for it, as a leave never did). In a public room a reader who is
    // no member gives it up too: its rooms list it no more.
    if (m.forget && opts_.membership_events &&
        (policy_.is_member(it->second.user->first) || policy_.kind() == room_kind::public_room))
        append_membership(it->second.user->first, storage::member_action::leave, m.conn_id);
    unwatch(s);
    remove_member(m.conn_id);
    s.tell(deliver{name_, make_frame(protocol::encode(protocol::left_event{m.id, name_})), 0});
}

void room::remove_member(std::uint64_t conn_id) {
    auto it = members_.find(conn_id);
    if (it == members_.end()) return;
    auto* u = it->second.user;
    members_.erase(it);
    if (--u->second == 0) {
        auto node = users_.extract(u->first);
        user_departed(node.key());
    }
    note_if_idle();
}

std::vector<std::string> room::member_names() const {
    std::vector<std::string> names;
    names.reserve(present_count());
    for (const auto& [user, count] : users_) names.push_back(user);
    for (const auto& [user, nodes] : remote_)
        if (!users_.contains(user)) names.push_back(user);
    std::sort(names.begin(), names.end());
    return names;
}

// ---- replay -----------------------------------------------------------------------

void room::start_replay(std::uint64_t conn_id, std::uint64_t since) {
    auto& replay = members_.at(conn_id).replay;
    if (!replay) replay = std::make_unique<replay_state>();  // a second join while replaying keeps what is held
    ++replay->reads;
    if (since >= last_seq_) return finish_replay(conn_id, since, storage::read_result{true, {}, {}});
    // The newest lines up to last_seq_; newer ones reach the member live
    // (held back meanwhile).
    ask(storage_, storage::read_history{name_, last_seq_ + 1, opts_.replay_limit}, opts_.storage_timeout,
        [this, conn_id, since](const act::result<storage::read_result>& r) { finish_replay(conn_id, since, r); });
}

void room::finish_replay(std::uint64_t conn_id, std::uint64_t since, const act::result<storage::read_result>& r) {
    auto it = members_.find(conn_id);
    if (it == members_.end() || !it->second.replay) return;  // left meanwhile
    member& m = it->second;
    if (m.replay->overflowed && m.replay->reads < max_replay_reads) {
        // Live lines were dropped while this was read, and they are newer
        // than it: read again up to the newest line instead, so the client,
        // filling backwards, misses nothing.
        m.replay->buffered.clear();
        m.replay->buffered_bytes = 0;
        m.replay->overflowed = false;
        return start_replay(conn_id, since);
    }
    const bool read = r && r->ok;
    const auto* rows = read ? &r->rows.messages : nullptr;
    // The page holds every stored line from its oldest up: it covers all
    // after `since` if that oldest is since + 1 or earlier, or nothing older exists.
    bool complete = read && since <= last_seq_ &&
                    (!r->rows.has_more || (!rows->empty() && rows->front().seq <= since + 1));
    // Newest first, the lines after `since` that fit in the byte limit; then
    // sent oldest first.
    std::vector<deliver> out;
    std::size_t bytes = 0;
    std::uint64_t through = since;
    std::vector<protocol::reaction> reactions;
    if (read) {
        for (auto row = rows->rbegin(); row != rows->rend() && row->seq > since; ++row) {
            through = std::max(through, row->seq);
            frame f = make_frame(protocol::encode(wire_event(name_, *row, reactions)));
            if (bytes + f->size() > opts_.replay_max_bytes) {
                complete = false;  // older lines left out: the client pages history for them
                break;
            }
            bytes += f->size();
            out.push_back(deliver{name_, std::move(f), row->seq});
        }
    }
    for (auto d = out.rbegin(); d != out.rend(); ++d) m.session.tell(std::move(*d));
    const std::unique_ptr<replay_state> done = std::move(m.replay);
    complete = complete && !done->overflowed;
    m.session.tell(deliver{name_, make_frame(protocol::encode(protocol::replay_done_event{name_, complete, through})), 0});
    for (auto& d : done->buffered)
        if (d.seq == 0 || d.seq > through) m.session.tell(std::move(d));  // skip what the replay already had
}

// ---- messages ---------------------------------------------------------------------

void room::handle(const post& m) {
    auto it = members_.find(m.conn_id);
    if (it == members_.end()) {
        // Not a member: the session should have refused this already.
        return;
    }
    if (opts_.membership_events) {
        const verdict v = policy_.decide({m.user, false}, room_action::send, wall_ms());
        if (v == verdict::muted)
            return reply_error(it->second.session, m.id, protocol::error_code::muted, "you are muted in this room");
        if (v != verdict::allowed)
            return reply_error(it->second.session, m.id, protocol::error_code::forbidden, "not a member of this room");
    }
    const std::uint64_t token = ++next_token_;
    storage::new_message row{name_, m.user, m.client_id, m.text, m.ts_ms};
    row.mentions = mentions_in(row.text, row.sender);
    if (!append(token, row)) {
        reply_error(it->second.session, m.id, protocol::error_code::unavailable,
                    "storage is overloaded; retry with the same client_id");
        return;
    }
    pending_.emplace(token, pending_post{m.conn_id, it->second.session, m.id, std::move(row), {}});
}

void room::handle(const server_post& m, act::promise<posted> reply) {
    // No membership: the server speaks in any room. The rest is a member's post.
    if (gone_) return reply.deliver(posted{.error = gone_code_});
    const std::uint64_t token = ++next_token_;
    storage::new_message row{name_, m.user, m.client_id, m.text, m.ts_ms};
    row.mentions = mentions_in(row.text, row.sender);
    if (!append(token, row)) return reply.deliver(posted{.error = protocol::error_code::unavailable});
    pending_.emplace(token, pending_post{0, {}, {}, std::move(row), std::move(reply)});
}

// Whom a line (or an edit's new text) mentions: members of the room, and
// users in it now.
std::vector<std::string> room::mentions_in(std::string_view text, std::string_view sender) const {
    if (text.find('@') == std::string_view::npos) return {};  // most lines: no lookups at all
    return find_mentions(text, sender,
                         [this](const std::string& user) { return users_.contains(user) || policy_.is_member(user); });
}

bool room::append(std::uint64_t token, const storage::new_message& row) {
    storage::append a{row, token, act::ref<storage::append_done>(self())};
    return storage_.tell(std::move(a)) == act::send_status::ok;
}

void room::handle(const storage::append_done& d) {
    auto it = pending_.find(d.token);
    if (it == pending_.end()) return;  // from before a restart: the sender will retry
    pending_post p = std::move(it->second);
    pending_.erase(it);
    note_if_idle();  // the sender may have left before its line was stored
    using status = storage::append_done::status;
    switch (d.outcome) {
        case status::failed:
            if (p.reply.pending()) return p.reply.deliver(posted{.error = protocol::error_code::unavailable});
            if (!p.session) return;
            return reply_error(p.session, p.id, protocol::error_code::unavailable,
                               "the message was not stored; retry with the same client_id");
        case status::rejected: {
            // A NUL in its text (the protocol refuses it first): never storable.
            if (d.reason == storage::reject_reason::not_storable) {
                if (p.reply.pending()) return p.reply.deliver(posted{.error = protocol::error_code::invalid_field});
                if (!p.session) return;
                return reply_error(p.session, p.id, protocol::error_code::invalid_field,
                                   "holds U+0000, which no store can keep");
            }
            // A target rule refused it: the line is not there (or deleted),
            // or it is another sender's line to edit.
            const bool forbidden = d.reason == storage::reject_reason::forbidden;
            const auto code = forbidden ? protocol::error_code::forbidden : protocol::error_code::not_found;
            if (p.reply.pending()) return p.reply.deliver(posted{.error = code});
            if (!p.session) return;
            return reply_error(p.session, p.id, code, forbidden ? "not your line" : "no such line");
        }
        case status::stored:
            // With a bus, last_seq_ is what members were given (let_through).
            if (!bus_.on()) last_seq_ = std::max(last_seq_, d.seq);
            committed(p, d.seq, d.ts_ms);
            break;
        case status::duplicate:
            // With a bus, the first commit may never have been published (its
            // node died, or lost its store connection after the COMMIT): the
            // gate learns the seq, and fills it from the store if nothing
            // else brings it within the hold.
            if (bus_.on()) offer(cluster_event{d.seq, nullptr, nullptr});
            break;
    }
    if (metrics_ != nullptr) bump(metrics_->acks);
    // Stored or a duplicate: either way the event is on disk with this seq.
    if (p.reply.pending()) return p.reply.deliver(posted{d.seq, d.ts_ms, d.outcome != status::stored, {}});
    if (!p.session) return;
    p.session.tell(deliver{name_,
                           make_frame(protocol::encode(protocol::ack_event{p.id, name_, p.row.client_id, d.seq, d.ts_ms})),
                           0});
}

void room::handle(const typing& m) {
    auto it = members_.find(m.conn_id);
    if (it == members_.end()) return;
    const act::time_point t = now();
    const act::time_point last = it->second.last_typing;
    if (last != act::time_point::min() && t - last < opts_.typing_interval) return;
    it->second.last_typing = t;
    broadcast(make_frame(protocol::encode(protocol::typing_event{name_, it->second.user->first})), 0, m.conn_id);
}

void room::handle(const crash_room&) { throw std::runtime_error("injected failure in room " + name_); }

// ---- idling ----------------------------------------------------------------------

bool room::idle() const {
    return ready_ && members_.empty() && pending_.empty() && waiting_.empty() && lookups_ == 0;
}

void room::note_if_idle() {
    if (!idle() || !lobby_ || opts_.idle_timeout <= act::duration::zero()) return;
    idle_since_ = now();
    if (idle_timer_) return;  // it will see the new idle_since_
    idle_timer_ = true;
    send_after(opts_.idle_timeout, idle_check{});
}

void room::handle(const idle_check&) {
    idle_timer_ = false;
    if (!idle()) return;  // busy again; the next time it empties arms a new check
    const act::duration quiet = now() - idle_since_;
    if (quiet < opts_.idle_timeout) {
        idle_timer_ = true;
        send_after(opts_.idle_timeout - quiet, idle_check{});
        return;
    }
    lobby_.tell(room_idle{name_, id()});
}

bool room::handle(const retire_room&) {
    // A join the lobby passed on before asking is already handled: the room
    // is not idle then, and stays.
    if (!idle()) return false;
    sys().stop(self());  // before anything else is handled; not restarted
    return true;
}

// ---- sending ----------------------------------------------------------------------

void room::send_to(member& m, frame data, std::uint64_t seq) {
    if (!m.replay) {
        m.session.tell(deliver{name_, std::move(data), seq});
        return;
    }
    auto& held = *m.replay;
    if (held.buffered.size() >= opts_.replay_buffer || held.buffered_bytes + data->size() > opts_.replay_max_bytes) {
        held.overflowed = true;  // the replay will say complete:false; history fills the gap
        return;
    }
    held.buffered_bytes += data->size();
    held.buffered.push_back(deliver{name_, std::move(data), seq});
}

void room::broadcast(const frame& data, std::uint64_t seq, std::uint64_t except_conn) {
    for (auto& [conn, m] : members_)
        if (conn != except_conn) send_to(m, data, seq);
}

std::int64_t room::wall_ms() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void room::reply_error(const session_ref& s, const protocol::request_id& id, protocol::error_code code,
                       std::string message) {
    if (metrics_ != nullptr) metrics_->count_rejected(code);
    s.tell(deliver{name_, make_frame(protocol::encode(protocol::error_event{id, code, message})), 0});
}

}  // namespace chatd::chat
