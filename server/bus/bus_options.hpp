#pragma once

#include "bus/redis_address.hpp"
#include "metrics/metrics.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace chatd::bus {

/// The cluster bus's settings (see publisher and subscriber).
struct bus_options {
    redis_address address;
    /// How long one Redis call may block its thread (connect, write, read).
    std::chrono::milliseconds timeout{1000};
    /// Between attempts to reach Redis while it is away.
    std::chrono::milliseconds retry{500};
    /// How long the subscriber waits for a message before it looks at its
    /// mailbox again: the most a watch waits behind a quiet channel.
    std::chrono::milliseconds poll{20};
    /// Rooms whose last event could not be published, remembered to be
    /// published as a tick once Redis is back; beyond it, the room that
    /// first missed one longest ago is forgotten (the other nodes still
    /// catch up when they resubscribe).
    std::size_t max_missed_rooms = 10000;
    /// The most commands (publishes and presence) the publisher holds while
    /// more messages wait in its mailbox: it writes them when its mailbox is
    /// empty or when this many are held, so rooms that keep it busy neither
    /// grow its queue nor hold their events back without end.
    std::size_t max_batch = 256;
    /// This node's id, the same for its publisher and subscriber, new for
    /// every start (chat_server makes one: presence_store's make_node_id).
    std::string node_id;
    /// How long this node's users stay in the rooms of the other nodes after
    /// its last heartbeat (`--presence-ttl`); it heartbeats three times in it.
    /// A node that dies, or loses Redis, has its users leave everywhere
    /// within it.
    std::chrono::milliseconds presence_ttl{15000};
    /// Most nodes the subscriber keeps track of (heard alive or gone).
    std::size_t max_nodes = 4096;
};

/// Where the bus counts (null: not counted). Counters are thread-safe.
struct bus_metrics {
    metrics::counter* published = nullptr;        ///< events published
    metrics::counter* publish_failures = nullptr;  ///< events not published: Redis was away
    metrics::counter* received = nullptr;         ///< events heard and passed to a room
    metrics::counter* reconnects = nullptr;       ///< links to Redis made again after a loss
    metrics::counter* nodes_gone = nullptr;       ///< other nodes taken out of presence (stopped or silent)
};

}  // namespace chatd::bus
