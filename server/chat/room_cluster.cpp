// The room in a cluster (`--bus`): its events and the other nodes' reach
// its members through one seq_gate, in seq order and each once. An event
// that comes ahead of its predecessors is held for opts_.gap_wait; then
// the missing ones are read from storage, the system of record, so an
// event the bus lost or delayed is never a gap a member sees; a seq the
// store does not have after opts_.gap_reads reads was never committed, and
// the room stops reading for it. After the bus
// (re)subscribes the room's channel, the room reads storage for whatever
// was published meanwhile.
//
// Presence across nodes: the room tells the bus when a user's first
// connection here arrives and its last one leaves, and hears the same of
// the other nodes' rooms of its name (remote_). A user is present while it
// has a connection on any node, so `presence` join and leave go out only
// when that changes, wherever it changed. A snapshot (asked after every
// subscription) sets what each live node has; a node that is gone takes its
// users with it.

#include "chat/room.hpp"
#include "chat/wire_event.hpp"
#include "protocol/encoder.hpp"
#include "protocol/events.hpp"

#include <algorithm>
#include <memory>
#include <unordered_set>
#include <utility>
#include <vector>

namespace chatd::chat {

void room::handle(const remote_event& m) {
    if (!ready_) {
        // Its start reads storage, which may or may not hold it: read again then.
        catch_up_due_ = true;
        return;
    }
    offer(m.event);
}

void room::handle(const bus_catch_up&) {
    read_presence();  // anything said while the channel was not subscribed was missed
    if (!ready_) {
        catch_up_due_ = true;
        return;
    }
    if (!filling_) fill_from_store();
    else catch_up_due_ = true;  // this read may have started before what was missed: another after it
}

void room::handle(const gap_check&) {
    gap_timer_ = false;
    if ((gate_.gap() || catch_up_due_) && !filling_) fill_from_store();
}

// The origin goes with its own event only: one held for a gap is let
// through later, by another offer, without it (the origin connection then
// hears of its own change once more, which a client takes as a no-op).
void room::offer(cluster_event e, std::uint64_t origin) {
    const std::uint64_t seq = e.seq;
    gate_.offer(std::move(e),
                [this, seq, origin](const cluster_event& out) { let_through(out, out.seq == seq ? origin : 0); });
    if (gate_.gap()) arm_gap_check();
}

// After gap_wait; while reads of the store fail, after gap_wait doubled for
// each failure in a row, up to gap_wait_max (see room_options).
void room::arm_gap_check() {
    if (gap_timer_ || filling_) return;
    gap_timer_ = true;
    act::duration wait = opts_.gap_wait;
    for (std::uint8_t i = 1; i < failed_fills_ && wait < opts_.gap_wait_max; ++i) wait *= 2;
    send_after(std::min(wait, std::max(opts_.gap_wait, opts_.gap_wait_max)), gap_check{});
}

// Reads the events after the last one let through, a page at a time, and
// offers them to the gate; again while pages come full or a catch-up is due.
void room::fill_from_store() {
    filling_ = true;
    catch_up_due_ = false;  // this read is the catch-up asked for so far
    const std::uint32_t n = opts_.replay_limit;
    const std::uint64_t from = gate_.fill_from();
    const std::uint64_t heard = gate_.known();  // committed, every one, before this read starts
    // The page of n events before from + n: from .. from + n - 1 (seqs are gapless).
    ask(storage_, storage::read_history{name_, from + n, n}, opts_.storage_timeout,
        [this, n, from, heard](const act::result<storage::read_result>& r) {
            filling_ = false;
            if (!r || !r->ok) {
                // Storage is away: read again after the hold, backing off, a
                // catch-up too, which no known gap would ask for.
                catch_up_due_ = true;
                if (failed_fills_ < 255) ++failed_fills_;
                // Not `return arm_gap_check();`: with that, GCC 12.2 at -O3
                // dropped the store above (a_catch_up_whose_read_fails_is_read_again).
                arm_gap_check();
                return;
            }
            failed_fills_ = 0;
            std::vector<protocol::reaction> reactions;
            for (const auto& row : r->rows.messages) {
                if (row.seq < gate_.fill_from()) continue;
                cluster_event e{row.seq, std::make_shared<const std::string>(
                                             protocol::encode(wire_event(name_, row, reactions))),
                                {}};
                if (row.kind == storage::event_kind::topic || row.kind == storage::event_kind::member)
                    e.effects = std::make_shared<const storage::new_message>(storage::new_message{
                        .room = name_, .sender = row.sender, .client_id = row.client_id, .text = row.text,
                        .ts_ms = row.ts_ms, .kind = row.kind, .target = row.target, .subject = row.subject,
                        .action = row.action, .role = row.role, .until_ms = row.until_ms});
                offer(std::move(e));
            }
            const auto& rows = r->rows.messages;
            const bool full = !rows.empty() && rows.back().seq == from + n - 1;
            if ((full && gate_.fill_from() > from) || std::exchange(catch_up_due_, false)) return fill_from_store();
            // Not full: the page ends at the store's last seq. Short of one
            // heard of before the read, read after read: that one was never
            // committed (see gap_reads), and neither were those it waits on.
            const std::uint64_t stored = rows.empty() ? 0 : rows.back().seq;
            empty_fills_ = stored < heard && gate_.gap() ? empty_fills_ + 1 : 0;
            if (empty_fills_ >= opts_.gap_reads) {
                empty_fills_ = 0;
                gate_.forget_missing(heard);
            }
            if (gate_.gap()) arm_gap_check();
        });
}

// ---- presence ---------------------------------------------------------------------

namespace {
frame presence_frame(const std::string& room, const std::string& user, protocol::presence_kind kind) {
    return std::make_shared<const std::string>(protocol::encode(protocol::presence_event{room, user, kind}));
}
}  // namespace

// The user's first connection here (users_ holds it already). In a large
// room (more present users than the limit) nobody is told.
void room::user_arrived(const std::string& user, std::uint64_t conn) {
    if (bus_.on()) bus_.publisher.tell(bus_presence{name_, user, true});
    if (remote_.contains(user)) {
        ++overlap_;  // present already, on another node
        return;
    }
    if (present_count() <= opts_.presence_limit)
        broadcast(presence_frame(name_, user, protocol::presence_kind::join), 0, conn);
}

// The user's last connection here is gone (users_ holds it no more).
void room::user_departed(const std::string& user) {
    if (bus_.on()) bus_.publisher.tell(bus_presence{name_, user, false});
    if (remote_.contains(user)) {
        --overlap_;  // still present, on another node
        return;
    }
    if (present_count() < opts_.presence_limit)  // else it was a large room: no presence
        broadcast(presence_frame(name_, user, protocol::presence_kind::leave), 0);
}

void room::remote_add(const std::string& node, const std::string& user) {
    auto [it, fresh] = remote_.try_emplace(user);
    if (std::find(it->second.begin(), it->second.end(), node) != it->second.end()) return;
    it->second.push_back(node);
    if (!fresh) return;  // on another node already
    if (users_.contains(user)) {
        ++overlap_;
        return;
    }
    if (present_count() <= opts_.presence_limit) broadcast(presence_frame(name_, user, protocol::presence_kind::join), 0);
}

void room::remote_remove(const std::string& node, const std::string& user) {
    auto it = remote_.find(user);
    if (it == remote_.end()) return;
    auto& nodes = it->second;
    auto n = std::find(nodes.begin(), nodes.end(), node);
    if (n == nodes.end()) return;
    nodes.erase(n);
    if (!nodes.empty()) return;  // on another node still
    remote_.erase(it);
    if (users_.contains(user)) {
        --overlap_;
        return;
    }
    if (present_count() < opts_.presence_limit) broadcast(presence_frame(name_, user, protocol::presence_kind::leave), 0);
}

// Asks the bus who is in the room on the other nodes (a presence_snapshot).
void room::read_presence() {
    if (!bus_.on()) return;
    std::unordered_set<std::string> seen;
    std::vector<std::string> nodes;
    for (const auto& [user, on] : remote_)
        for (const auto& n : on)
            if (seen.insert(n).second) nodes.push_back(n);
    bus_.publisher.tell(bus_presence_read{name_, std::move(nodes)});
}

// The joins that came before the room was ready, once it is, and (with a
// bus) once it knows who is on the other nodes or has waited for it long
// enough.
void room::admit_waiting() {
    if (!ready_ || presence_due_) return;
    for (auto& j : std::exchange(waiting_, {})) handle(j);
}

void room::handle(const presence_check&) {
    if (!presence_due_) return;
    presence_due_ = false;
    admit_waiting();
    note_if_idle();
}

void room::handle(const remote_presence& m) {
    if (m.here) remote_add(m.node, m.user);
    else remote_remove(m.node, m.user);
}

// Each live node of the snapshot has exactly its entries: the others of
// it leave, the new ones arrive. Nodes it does not list are left alone.
void room::handle(const presence_snapshot& m) {
    std::unordered_set<std::string> live(m.live_nodes.begin(), m.live_nodes.end());
    std::unordered_set<std::string> keep;  // "node user" of the snapshot
    for (const auto& [node, user] : m.entries) keep.insert(node + ' ' + user);
    std::vector<std::pair<std::string, std::string>> gone;
    for (const auto& [user, nodes] : remote_)
        for (const auto& n : nodes)
            if (live.contains(n) && !keep.contains(n + ' ' + user)) gone.emplace_back(n, user);
    for (const auto& [node, user] : gone) remote_remove(node, user);
    for (const auto& [node, user] : m.entries)
        if (live.contains(node)) remote_add(node, user);
    if (std::exchange(presence_due_, false)) {
        admit_waiting();
        note_if_idle();
    }
}

void room::handle(const presence_node_gone& m) {
    std::vector<std::string> users;
    for (const auto& [user, nodes] : remote_)
        if (std::find(nodes.begin(), nodes.end(), m.node) != nodes.end()) users.push_back(user);
    for (const auto& user : users) remote_remove(m.node, user);
}

}  // namespace chatd::chat
