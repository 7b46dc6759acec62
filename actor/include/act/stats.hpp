#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace act {

/// One actor's counters at the moment of a snapshot.
struct actor_stats {
    std::uint64_t id;
    std::string name;   ///< registered name, or empty
    const char* label;  ///< the kind given at spawn ("room", "session", ...)
    std::uint64_t handled;
    std::size_t mailbox_depth;
    std::uint32_t restarts;
    std::uint64_t dropped;  ///< messages lost to its mailbox's overflow policy
};

/// The whole system's counters, for metrics export.
struct system_stats {
    std::vector<actor_stats> actors;
    std::uint64_t dead_letters = 0;  ///< messages sent to terminated actors
    std::uint64_t dropped = 0;       ///< messages lost to overflow policies
    std::uint64_t spawned = 0;
    std::uint64_t live = 0;
};

/// A message that reached a terminated actor; given to the dead-letter hook.
struct dead_letter {
    std::uint64_t target_id;
    const char* target_label;
};

}  // namespace act
