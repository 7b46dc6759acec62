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

using room_bus_ref = act::ref<remote_event, bus_catch_up>;

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
    act::ref<bus_publish> publisher;
    act::ref<bus_watch, bus_unwatch> subscriber;

    bool on() const noexcept { return publisher.valid() && subscriber.valid(); }
};

}  // namespace chatd::chat
