// The room in a cluster (`--bus`): its events and the other nodes' reach
// its members through one seq_gate, in seq order and each once. An event
// that comes ahead of its predecessors is held for opts_.gap_wait; then
// the missing ones are read from storage, the system of record, so an
// event the bus lost or delayed is never a gap a member sees; a seq the
// store does not have after opts_.gap_reads reads was never committed, and
// the room stops reading for it. After the bus
// (re)subscribes the room's channel, the room reads storage for whatever
// was published meanwhile.

#include "chat/room.hpp"
#include "chat/wire_event.hpp"
#include "protocol/encoder.hpp"

#include <memory>
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

void room::offer(cluster_event e) {
    gate_.offer(std::move(e), [this](const cluster_event& out) { let_through(out); });
    if (gate_.gap()) arm_gap_check();
}

void room::arm_gap_check() {
    if (gap_timer_ || filling_) return;
    gap_timer_ = true;
    send_after(opts_.gap_wait, gap_check{});
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
                // Storage is away: read again after the hold, a catch-up too,
                // which no known gap would ask for.
                catch_up_due_ = true;
                // Not `return arm_gap_check();`: with that, GCC 12.2 at -O3
                // dropped the store above (a_catch_up_whose_read_fails_is_read_again).
                arm_gap_check();
                return;
            }
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

}  // namespace chatd::chat
