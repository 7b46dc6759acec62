#pragma once

#include "act/actor.hpp"
#include "bus/bus_options.hpp"
#include "bus/redis_link.hpp"
#include "chat/cluster_messages.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace chatd::bus {

/// Publisher → itself: try to reach Redis again.
struct publisher_retry {};
/// Publisher → itself: time for the node's presence heartbeat.
struct publisher_heartbeat {};

/// Publishes each room's committed events on the room's channel. Spawn it
/// bound to a thread of its own (act::dedicated_thread): every Redis call
/// blocks. Publishes queue while others wait in the mailbox and go out as
/// one pipelined write when it is empty, like storage's batches, or when
/// bus_options::max_batch are queued.
///
/// While Redis is away, nothing blocks a room: an event is counted lost,
/// and the room's highest such seq is published as a tick once Redis is
/// back, so the other nodes read the store for it (their own catch-up on
/// resubscribing covers the rest). Everything runs in the actor's own turn.
///
/// It also keeps the node's presence in Redis (presence_store.hpp): which
/// users the rooms here have, the node's heartbeat, and the rooms' reads.
/// It remembers what the rooms told it, so each time it reaches Redis
/// (again) it publishes all of it under a new id and says the old one is
/// gone: what changed while Redis was away is right again at once.
class publisher final
    : public act::actor<chat::bus_publish, chat::bus_presence, chat::bus_presence_read, publisher_retry,
                        publisher_heartbeat> {
public:
    publisher(bus_options opts, bus_metrics metrics = {});

    void on_start() override;
    void on_stop() override;
    void handle(const chat::bus_publish& m) override;
    void handle(const chat::bus_presence& m) override;
    void handle(const chat::bus_presence_read& m) override;
    void handle(const publisher_retry& m) override;
    void handle(const publisher_heartbeat& m) override;

private:
    void send_queued();
    void send_if_due();
    bool flush_and_read(std::size_t replies);
    void lost(const std::string& room, std::uint64_t seq);
    void reconnect_later();
    void announce();

    bus_options opts_;
    bus_metrics metrics_;
    redis_link link_;
    bool retry_armed_ = false;
    bool warned_ = false;  // the loss of Redis was logged
    bool script_warned_ = false;  // a refused presence command was logged
    std::vector<std::pair<std::string, std::string>> queued_;  // channel, payload
    std::vector<std::string> queued_rooms_;                      // the room of each, for a loss
    std::vector<std::uint64_t> queued_seqs_;
    std::map<std::string, std::uint64_t> missed_;  // room -> highest seq not published
    std::deque<std::map<std::string, std::uint64_t>::iterator> missed_order_;  // missed_'s rooms, first missed first
    // Presence.
    std::string node_;                // this node's id in Redis now: opts_.node_id "." generation_
    std::uint32_t generation_ = 0;    // links made so far
    std::size_t presence_replies_ = 0;  // presence commands sent with the next write
    std::map<std::string, std::set<std::string>> here_;          // room -> users here
    std::map<std::string, std::vector<std::string>> reads_;      // reads asked while Redis was away
    std::map<std::string, std::vector<std::string>> sending_reads_;  // reads in the write under way
};

}  // namespace chatd::bus
