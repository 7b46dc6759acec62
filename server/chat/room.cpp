#include "chat/room.hpp"

#include "act/system.hpp"
#include "chat/chat_metrics.hpp"
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
}  // namespace

room::room(std::string name, storage_ref storage, room_options opts, lobby_ref lobby, const chat_metrics* metrics)
    : name_(std::move(name)), storage_(std::move(storage)), opts_(opts), lobby_(std::move(lobby)), metrics_(metrics) {
    if (metrics_ != nullptr && metrics_->rooms != nullptr) metrics_->rooms->inc();
}

room::~room() {
    if (metrics_ != nullptr && metrics_->rooms != nullptr) metrics_->rooms->dec();
}

void room::on_start() {
    // Tokens of an earlier incarnation (before a restart) must never match ours.
    next_token_ = std::uint64_t{self_cell().incarnation()} << 40;
    ask(storage_, storage::read_last_seq{name_}, opts_.storage_timeout, [this](act::result<std::uint64_t> r) {
        if (!r) throw std::runtime_error("room " + name_ + ": storage did not answer: " +
                                         std::string(act::to_string(r.error())));
        last_seq_ = *r;
        ready_ = true;
        for (auto& j : std::exchange(waiting_, {})) handle(j);
        note_if_idle();
    });
}

void room::on_stop() {
    // On a restart the new instance knows no members: tell them to join
    // again; their replay fills whatever they missed.
    for (auto& [conn, m] : members_) m.session.tell(room_reset{name_});
}

void room::on_down(const act::down_notice& d) { remove_member(d.id); }

// ---- membership ---------------------------------------------------------------

void room::handle(const join& m) {
    if (!ready_) {
        waiting_.push_back(m);
        return;
    }
    admit(m);
}

void room::admit(const join& m) {
    const std::uint64_t conn = m.conn_id;
    const bool is_new = !members_.contains(conn);
    if (is_new) {
        auto& user = *users_.try_emplace(m.user, 0).first;
        members_.emplace(conn, member{&user, m.session});
        monitor(m.session);  // a session that dies leaves the room
        if (user.second++ == 0 && users_.size() <= opts_.presence_limit)
            broadcast(make_frame(protocol::encode(protocol::presence_event{name_, m.user, protocol::presence_kind::join})),
                      0, conn);
    }
    const auto names = users_.size() <= opts_.presence_limit ? member_names() : std::vector<std::string>{m.user};
    m.session.tell(deliver{
        name_, make_frame(protocol::encode(protocol::joined_event{m.id, name_, names, last_seq_, users_.size()})), 0});
    if (m.since) start_replay(conn, *m.since);
}

void room::handle(const leave& m) {
    auto it = members_.find(m.conn_id);
    if (it == members_.end()) return;  // the session checks membership; a late leave is harmless
    const session_ref s = it->second.session;
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
        const std::string user = std::move(node.key());
        if (users_.size() < opts_.presence_limit)  // else it was a large room: no presence
            broadcast(make_frame(protocol::encode(protocol::presence_event{name_, user, protocol::presence_kind::leave})), 0);
    }
    note_if_idle();
}

std::vector<std::string> room::member_names() const {
    std::vector<std::string> names;
    names.reserve(users_.size());
    for (const auto& [user, count] : users_) names.push_back(user);
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
    if (read) {
        for (auto row = rows->rbegin(); row != rows->rend() && row->seq > since; ++row) {
            through = std::max(through, row->seq);
            frame f = make_frame(protocol::encode(
                protocol::message_event{name_, row->seq, row->sender, row->text, row->ts_ms, row->client_id}));
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
    const std::uint64_t token = ++next_token_;
    if (!append(token, m.user, m.client_id, m.text, m.ts_ms)) {
        reply_error(it->second.session, m.id, protocol::error_code::unavailable,
                    "storage is overloaded; retry with the same client_id");
        return;
    }
    pending_.emplace(token, pending_post{m.conn_id, it->second.session, m.id, m.user, m.client_id, m.text, {}});
}

void room::handle(const server_post& m, act::promise<posted> reply) {
    // No membership: the server speaks in any room. The rest is a member's post.
    const std::uint64_t token = ++next_token_;
    if (!append(token, m.user, m.client_id, m.text, m.ts_ms))
        return reply.deliver(posted{.error = protocol::error_code::unavailable});
    pending_.emplace(token, pending_post{0, {}, {}, m.user, m.client_id, m.text, std::move(reply)});
}

bool room::append(std::uint64_t token, const std::string& user, const std::string& client_id, const std::string& text,
                  std::int64_t ts_ms) {
    storage::append a{storage::new_message{name_, user, client_id, text, ts_ms}, token,
                      act::ref<storage::append_done>(self())};
    return storage_.tell(std::move(a)) == act::send_status::ok;
}

void room::handle(const storage::append_done& d) {
    auto it = pending_.find(d.token);
    if (it == pending_.end()) return;  // from before a restart: the sender will retry
    pending_post p = std::move(it->second);
    pending_.erase(it);
    note_if_idle();  // the sender may have left before its line was stored
    using status = storage::append_done::status;
    if (d.outcome == status::failed) {
        if (p.reply.pending()) return p.reply.deliver(posted{.error = protocol::error_code::unavailable});
        reply_error(p.session, p.id, protocol::error_code::unavailable,
                    "the message was not stored; retry with the same client_id");
        return;
    }
    if (d.outcome == status::stored) {
        last_seq_ = std::max(last_seq_, d.seq);
        broadcast(make_frame(protocol::encode(protocol::message_event{name_, d.seq, p.user, p.text, d.ts_ms, p.client_id})),
                  d.seq);
        if (metrics_ != nullptr) bump(metrics_->delivered, members_.size());
    }
    if (metrics_ != nullptr) bump(metrics_->acks);
    // Stored or a duplicate: either way the line is on disk with this seq.
    if (p.reply.pending()) return p.reply.deliver(posted{d.seq, d.ts_ms, d.outcome != status::stored, {}});
    p.session.tell(deliver{name_,
                           make_frame(protocol::encode(protocol::ack_event{p.id, name_, p.client_id, d.seq, d.ts_ms})),
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

bool room::idle() const { return ready_ && members_.empty() && pending_.empty() && waiting_.empty(); }

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

void room::reply_error(const session_ref& s, const protocol::request_id& id, protocol::error_code code,
                       std::string message) {
    if (metrics_ != nullptr) metrics_->count_rejected(code);
    s.tell(deliver{name_, make_frame(protocol::encode(protocol::error_event{id, code, message})), 0});
}

}  // namespace chatd::chat
