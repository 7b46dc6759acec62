#pragma once

#include "bus/redis_address.hpp"
#include "metrics/metrics.hpp"

#include <chrono>
#include <cstddef>

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
    /// published as a tick once Redis is back; beyond it, the oldest is
    /// forgotten (the other nodes still catch up when they resubscribe).
    std::size_t max_missed_rooms = 10000;
};

/// Where the bus counts (null: not counted). Counters are thread-safe.
struct bus_metrics {
    metrics::counter* published = nullptr;        ///< events published
    metrics::counter* publish_failures = nullptr;  ///< events not published: Redis was away
    metrics::counter* received = nullptr;         ///< events heard and passed to a room
    metrics::counter* reconnects = nullptr;       ///< links to Redis made again after a loss
};

}  // namespace chatd::bus
