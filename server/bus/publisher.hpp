#pragma once

#include "act/actor.hpp"
#include "bus/bus_options.hpp"
#include "bus/redis_link.hpp"
#include "chat/cluster_messages.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chatd::bus {

/// Publisher → itself: try to reach Redis again.
struct publisher_retry {};

/// Publishes each room's committed events on the room's channel. Spawn it
/// bound to a thread of its own (act::dedicated_thread): every Redis call
/// blocks. Publishes queue while others wait in the mailbox and go out as
/// one pipelined write when it is empty, like storage's batches.
///
/// While Redis is away, nothing blocks a room: an event is counted lost,
/// and the room's highest such seq is published as a tick once Redis is
/// back, so the other nodes read the store for it (their own catch-up on
/// resubscribing covers the rest). Everything runs in the actor's own turn.
class publisher final : public act::actor<chat::bus_publish, publisher_retry> {
public:
    publisher(bus_options opts, bus_metrics metrics = {});

    void on_start() override;
    void handle(const chat::bus_publish& m) override;
    void handle(const publisher_retry& m) override;

private:
    void send_queued();
    void lost(const std::string& room, std::uint64_t seq);
    void reconnect_later();

    bus_options opts_;
    bus_metrics metrics_;
    redis_link link_;
    bool retry_armed_ = false;
    bool warned_ = false;  // the loss of Redis was logged
    std::vector<std::pair<std::string, std::string>> queued_;  // channel, payload
    std::vector<std::string> queued_rooms_;                      // the room of each, for a loss
    std::vector<std::uint64_t> queued_seqs_;
    std::map<std::string, std::uint64_t> missed_;  // room -> highest seq not published
};

}  // namespace chatd::bus
