#include "bus/publisher.hpp"

#include "bus/wire.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace chatd::bus {

publisher::publisher(bus_options opts, bus_metrics metrics)
    : opts_(std::move(opts)), metrics_(metrics), link_(opts_.address, opts_.timeout) {}

void publisher::on_start() {
    if (!link_.connect()) {
        spdlog::warn("bus: cannot publish to {} ({}); retrying", opts_.address.to_string(), link_.error());
        warned_ = true;
        reconnect_later();
    }
}

void publisher::handle(const chat::bus_publish& m) {
    if (!link_.connected()) return lost(m.room, m.event.seq);
    queued_.emplace_back(channel_of(m.room), encode_event(m.event));
    queued_rooms_.push_back(m.room);
    queued_seqs_.push_back(m.event.seq);
    if (self_cell().mailbox_waiting() == 0) send_queued();
}

// One pipelined write of every queued PUBLISH, then their replies.
void publisher::send_queued() {
    for (const auto& [channel, payload] : queued_) link_.append({"PUBLISH", channel, payload});
    bool ok = link_.flush();
    redis_reply r;
    for (std::size_t i = 0; ok && i < queued_.size(); ++i) ok = link_.read_one(r);
    if (ok) {
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

void publisher::lost(const std::string& room, std::uint64_t seq) {
    if (metrics_.publish_failures != nullptr) metrics_.publish_failures->inc();
    auto it = missed_.find(room);
    if (it != missed_.end()) {
        it->second = std::max(it->second, seq);
        return;
    }
    if (missed_.size() >= opts_.max_missed_rooms) return;  // the other nodes' catch-up on resubscribing covers it
    missed_.emplace(room, seq);
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
    bool ok = link_.flush();
    redis_reply r;
    for (std::size_t i = 0; ok && i < missed_.size(); ++i) ok = link_.read_one(r);
    if (!ok) return reconnect_later();
    spdlog::info("bus: publishing to {} again ({} rooms told what they missed)", opts_.address.to_string(),
                 missed_.size());
    missed_.clear();
    warned_ = false;
    if (metrics_.reconnects != nullptr) metrics_.reconnects->inc();
}

}  // namespace chatd::bus
