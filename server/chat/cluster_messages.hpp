#pragma once

// What a room says to the cluster bus (server/bus/) and hears from it, when
// several chatd nodes serve the same rooms (`--bus`). The bus carries each
// committed event to the other nodes' rooms of the same name; the store
// stays the system of record, so a room fills from it whatever the bus
// lost. Immutable structs, as every message; no Redis here.

#include "act/ref.hpp"
#include "chat/messages.hpp"
#include "storage/rows.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chatd::chat {

/// A committed event as the room's members see it: the frame encoded once,
/// and for events with side effects on the room (member, topic) the row
/// they come from, so another node's room can apply them; null for the
/// rest (a line, an edit, a reaction change nothing a room holds).
struct cluster_event {
    std::uint64_t seq = 0;
    frame data;  ///< null: only the seq is known (the bus heard of it, without its content)
    std::shared_ptr<const storage::new_message> effects;
};

/// Room → bus: publish this committed event to the other nodes.
struct bus_publish {
    std::string room;
    cluster_event event;
};

/// Bus → room: an event another node (or this one) committed, or the news
/// that seq exists (event.data null: fill it from the store).
struct remote_event {
    std::string room;
    cluster_event event;
};

/// Bus → room: the room's channel is (again) subscribed: whatever was
/// published before may have been missed, so read the store for it.
struct bus_catch_up {
    std::string room;
};

// ---- presence across nodes ----------------------------------------------------
// Each node's rooms say which users they have (a user's first connection
// in, its last one out); the bus keeps that in Redis, per room, under the
// node's id, and tells the other nodes' rooms of the name. A node that stops
// heartbeating is gone: its users leave everywhere. See docs/protocol.md,
// "Presence".

/// Room → bus: `user` is (here) or is no longer (!here) in the room on
/// this node.
struct bus_presence {
    std::string room;
    std::string user;
    bool here = true;
};

/// Room → bus: send the room who is in it on the other nodes
/// (presence_snapshot). `known_nodes`: the nodes the room has users of, so
/// the answer says which of them are still alive.
struct bus_presence_read {
    std::string room;
    std::vector<std::string> known_nodes;
};

/// Bus → room: `user` is (here) or is no longer in the room on `node`.
struct remote_presence {
    std::string room;
    std::string node;
    std::string user;
    bool here = true;
};

/// Bus → room: who is in the room on each live node of `live_nodes`,
/// exactly (a live node with none of `entries` has no one in it). Nodes
/// not listed are not known to be alive: the room keeps what it has of
/// them until they are gone (presence_node_gone). Never this node's own.
struct presence_snapshot {
    std::string room;
    std::vector<std::string> live_nodes;
    std::vector<std::pair<std::string, std::string>> entries;  // node, user
};

/// Bus → every room here: `node` stopped (a clean stop, or its heartbeat
/// ran out): its users are in no room any more.
struct presence_node_gone {
    std::string node;
};

using room_bus_ref = act::ref<remote_event, bus_catch_up, remote_presence, presence_snapshot, presence_node_gone>;

/// Room → bus: this node has the room running; send it its channel.
struct bus_watch {
    std::string room;
    room_bus_ref to;
};

/// Room → bus: the room stopped (retired or restarting): unsubscribe,
/// unless a later room of the name watches it (room_id tells them apart).
struct bus_unwatch {
    std::string room;
    std::uint64_t room_id = 0;
};

/// The bus as rooms see it: two actors, each on a thread of its own, since
/// a subscribed connection only reads. Both invalid: one node, no bus.
struct cluster_link {
    act::ref<bus_publish, bus_presence, bus_presence_read> publisher;
    act::ref<bus_watch, bus_unwatch> subscriber;

    bool on() const noexcept { return publisher.valid() && subscriber.valid(); }
};

}  // namespace chatd::chat
