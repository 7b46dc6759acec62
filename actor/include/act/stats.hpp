#pragma once

#include "act/ref_counted.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
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

/// The part of a system that its cells may still need after the system
/// object is gone (a late message to a terminated actor is counted here).
/// Shared by the system and every cell; thread-safe.
struct system_shared : ref_counted {
    system_shared(std::size_t quantum_in, std::function<void(const dead_letter&)> hook)
        : quantum(quantum_in), on_dead_letter(std::move(hook)) {}

    const std::size_t quantum;
    const std::function<void(const dead_letter&)> on_dead_letter;
    std::atomic<std::uint64_t> dead_letters{0};
    std::atomic<std::uint64_t> dropped{0};
    std::atomic<bool> shutting_down{false};

    void count_dead_letter(std::uint64_t target, const char* label) {
        dead_letters.fetch_add(1, std::memory_order_relaxed);
        if (on_dead_letter) on_dead_letter(dead_letter{target, label});
    }
};

}  // namespace act
