#pragma once

#include "act/actor.hpp"
#include "bus/bus_options.hpp"
#include "bus/redis_link.hpp"
#include "chat/cluster_messages.hpp"

#include <string>
#include <unordered_map>

namespace chatd::bus {

/// Subscriber → itself: read what arrived, or try to reach Redis again.
struct subscriber_pump {};

/// Subscribes the channels of the rooms running on this node (each room
/// watches its channel from its start to its stop) and passes each event
/// heard to its room. Spawn it bound to a thread of its own
/// (act::dedicated_thread): it blocks in Redis reads, opts.poll at a time,
/// between the messages of its mailbox.
///
/// Each confirmed subscription, the first and every one after Redis came
/// back, tells the room bus_catch_up: whatever was published while it was
/// not subscribed, the room reads from the store. Everything runs in the
/// actor's own turn.
class subscriber final : public act::actor<chat::bus_watch, chat::bus_unwatch, subscriber_pump> {
public:
    subscriber(bus_options opts, bus_metrics metrics = {});

    void on_start() override;
    void handle(const chat::bus_watch& m) override;
    void handle(const chat::bus_unwatch& m) override;
    void handle(const subscriber_pump& m) override;

private:
    void connect();
    void lost();
    void on_reply(const redis_reply& r);

    bus_options opts_;
    bus_metrics metrics_;
    redis_link link_;
    bool warned_ = false;  // the loss of Redis was logged
    bool was_up_ = false;  // connected once: the next connect is a reconnect
    std::unordered_map<std::string, chat::room_bus_ref> rooms_;  // by room name
};

}  // namespace chatd::bus
