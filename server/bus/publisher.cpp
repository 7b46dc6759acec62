#include "bus/publisher.hpp"

#include "bus/presence_store.hpp"
#include "bus/wire.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace chatd::bus {

publisher::publisher(bus_options opts, bus_metrics metrics)
    : opts_(std::move(opts)), metrics_(metrics), link_(opts_.address, opts_.timeout) {}

void publisher::on_start() {
    send_after(opts_.presence_ttl / 3, publisher_heartbeat{});
    if (!link_.connect()) {
        spdlog::warn("bus: cannot publish to {} ({}); retrying", opts_.address.to_string(), link_.error());
        warned_ = true;
        reconnect_later();
        return;
    }
    announce();
    send_queued();
}

// A clean stop: the other nodes take this node's users out of their rooms
// at once (its entries deleted here, "gone" to them), not after its TTL.
void publisher::on_stop() {
    if (!link_.connected() || node_.empty()) return;
    std::size_t n = 0;
    for (const auto& [room, users] : here_) n += append_room_presence(link_, node_, room, users, false);
    n += append_gone(link_, node_);
    flush_and_read(presence_replies_ + n);
}

void publisher::handle(const chat::bus_publish& m) {
    if (!link_.connected()) return lost(m.room, m.event.seq);
    queued_.emplace_back(channel_of(m.room), encode_event(m.event));
    queued_rooms_.push_back(m.room);
    queued_seqs_.push_back(m.event.seq);
    send_if_due();
}

void publisher::handle(const chat::bus_presence& m) {
    if (m.here) {
        here_[m.room].insert(m.user);
    } else if (auto it = here_.find(m.room); it != here_.end()) {
        it->second.erase(m.user);
        if (it->second.empty()) here_.erase(it);
    }
    if (!link_.connected()) return;  // all of here_ goes out on the next link
    presence_replies_ += append_presence(link_, node_, m.room, m.user, m.here);
    send_if_due();
}

void publisher::handle(const chat::bus_presence_read& m) {
    if (!link_.connected()) {
        // Read on the next link; a room asks at most once per subscription.
        if (reads_.size() < opts_.max_missed_rooms || reads_.contains(m.room)) reads_[m.room] = m.known_nodes;
        return;
    }
    presence_replies_ += append_presence_read(link_, node_, m.room, m.known_nodes);
    sending_reads_.insert_or_assign(m.room, m.known_nodes);
    send_if_due();
}

void publisher::handle(const publisher_heartbeat&) {
    send_after(opts_.presence_ttl / 3, publisher_heartbeat{});
    if (!link_.connected()) return;  // the retry announces the node again
    presence_replies_ += append_heartbeat(link_, node_, opts_.presence_ttl);
    send_if_due();
}

// A new link: the node under a new id (heartbeat first, so the others know
// how long it lives), everything the rooms here have, the old id gone, and
// the reads asked meanwhile. Queued; the next write sends them.
void publisher::announce() {
    const std::string old = std::move(node_);
    node_ = opts_.node_id + "." + std::to_string(++generation_);
    std::size_t n = append_heartbeat(link_, node_, opts_.presence_ttl);
    for (const auto& [room, users] : here_) n += append_room_presence(link_, node_, room, users, true);
    if (!old.empty()) n += append_gone(link_, old);
    for (const auto& [room, known] : reads_) n += append_presence_read(link_, node_, room, known);
    sending_reads_.merge(reads_);
    reads_.clear();
    presence_replies_ += n;
    spdlog::debug("bus: node {} announced: {} rooms with users here, {} commands", node_, here_.size(), n);
}

// Writes what is queued once nothing waits in the mailbox (one write for
// all that came meanwhile), or once max_batch commands are queued: rooms
// that publish without a pause would otherwise grow the queue, and hold
// what it has back, for as long as they do.
void publisher::send_if_due() {
    if (self_cell().mailbox_waiting() == 0 || queued_.size() + presence_replies_ >= opts_.max_batch) send_queued();
}

// One pipelined write of every queued PUBLISH and presence command, then
// their replies.
void publisher::send_queued() {
    for (const auto& [channel, payload] : queued_) link_.append({"PUBLISH", channel, payload});
    if (flush_and_read(queued_.size() + presence_replies_)) {
        if (metrics_.published != nullptr) metrics_.published->inc(queued_.size());
    } else {
        if (!warned_) spdlog::warn("bus: lost Redis while publishing ({}); rooms on other nodes catch up from the store",
                                   link_.error());
        warned_ = true;
        // Some may have gone out; a tick for each room's highest makes sure.
        for (std::size_t i = 0; i < queued_rooms_.size(); ++i) lost(queued_rooms_[i], queued_seqs_[i]);
        reconnect_later();
    }
    queued_.clear();
    queued_rooms_.clear();
    queued_seqs_.clear();
}

// Sends what is appended and reads `replies` replies. False: the link broke.
// A read that may not have been made is asked again on the next link (the
// rest of presence goes out whole then anyway).
bool publisher::flush_and_read(std::size_t replies) {
    presence_replies_ = 0;
    bool ok = link_.flush();
    redis_reply r;
    for (std::size_t i = 0; ok && i < replies; ++i) {
        ok = link_.read_one(r);
        if (ok && r.error && !script_warned_) {
            spdlog::warn("bus: Redis refused a command: {}", r.text);
            script_warned_ = true;
        }
    }
    if (!ok)
        for (auto& [room, known] : sending_reads_)
            if (reads_.size() < opts_.max_missed_rooms || reads_.contains(room)) reads_[room] = std::move(known);
    sending_reads_.clear();
    return ok;
}

void publisher::lost(const std::string& room, std::uint64_t seq) {
    if (metrics_.publish_failures != nullptr) metrics_.publish_failures->inc();
    auto [it, fresh] = missed_.try_emplace(room, seq);
    if (!fresh) {
        it->second = std::max(it->second, seq);
        return;
    }
    missed_order_.push_back(it);
    if (missed_.size() > opts_.max_missed_rooms) {
        // The room that missed first goes: the other nodes' catch-up on
        // resubscribing still covers it, and the newest misses are kept.
        missed_.erase(missed_order_.front());
        missed_order_.pop_front();
    }
}

void publisher::reconnect_later() {
    if (retry_armed_) return;
    retry_armed_ = true;
    send_after(opts_.retry, publisher_retry{});
}

void publisher::handle(const publisher_retry&) {
    retry_armed_ = false;
    if (!link_.connect()) return reconnect_later();
    // Ticks for what was missed: the rooms elsewhere read the store for it.
    for (const auto& [room, seq] : missed_) link_.append({"PUBLISH", channel_of(room), encode_tick(seq)});
    announce();
    if (!flush_and_read(missed_.size() + presence_replies_)) return reconnect_later();
    spdlog::info("bus: publishing to {} again as node {} ({} rooms told what they missed)",
                 opts_.address.to_string(), node_, missed_.size());
    missed_.clear();
    missed_order_.clear();
    warned_ = false;
    if (metrics_.reconnects != nullptr) metrics_.reconnects->inc();
}

}  // namespace chatd::bus
