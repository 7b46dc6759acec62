#pragma once

#include "act/actor.hpp"
#include "bus/bus_options.hpp"
#include "bus/redis_link.hpp"
#include "chat/cluster_messages.hpp"

#include <string>
#include <string_view>
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
///
/// It also carries presence: the other nodes' changes and the answers to
/// this node's reads go to their rooms, and it watches every node's
/// heartbeat (the nodes' channel): a node that stops cleanly, or is not
/// heard of for its TTL, is gone, and every room here is told so. While
/// this node has no link it judges no one; once it is back every node has
/// a full TTL again.
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
    void on_node_message(std::string_view payload);
    void on_room_presence(const chat::room_bus_ref& to, std::string_view room, std::string_view payload);
    bool own(std::string_view node) const;
    bool heard(const std::string& node);
    void check_nodes();
    void replaced_by(const std::string& node);
    void node_gone(const std::string& node);

    struct node_state {
        act::time_point deadline;  // alive: gone if nothing is heard by then; gone: forgotten then
        act::duration ttl;
        bool gone = false;
    };

    bus_options opts_;
    bus_metrics metrics_;
    redis_link link_;
    bool warned_ = false;  // the loss of Redis was logged
    bool was_up_ = false;  // connected once: the next connect is a reconnect
    std::unordered_map<std::string, chat::room_bus_ref> rooms_;  // by room name
    std::unordered_map<std::string, node_state> nodes_;          // other nodes, by id (at most opts_.max_nodes)
};

}  // namespace chatd::bus
