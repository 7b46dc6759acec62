#pragma once

// In-order delivery of a room's events when they can come from more than
// one place (its own commits, the cluster bus, a read of the store) and in
// any order: each is let through once, in seq order, with no gap.

#include "chat/cluster_messages.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>

namespace chatd::chat {

/// Holds events that came ahead of their turn, up to max_held of them, and
/// lets each through once its predecessors have been; an event at or below
/// what was let through already is dropped (a repeat: the room's own event
/// back from the bus). When events are missing (gap()), the owner waits a
/// little for them, then reads the store from fill_from() and offers what
/// it read. Pure and single-threaded: the room's own state.
class seq_gate {
public:
    using release_fn = std::function<void(const cluster_event&)>;

    explicit seq_gate(std::size_t max_held = 1024) : max_held_(max_held) {}

    /// Starts over after `delivered` (the room's last seq when it started):
    /// nothing held, nothing missing.
    void start(std::uint64_t delivered);

    /// Offers an event (e.data null: only its seq is known). Calls `release`
    /// for it and every held event it unblocks, in seq order. False when it
    /// was dropped: already let through, or the hold is full (it is then
    /// still known to be missing, and the store has it).
    bool offer(cluster_event e, const release_fn& release);

    /// The last seq let through.
    std::uint64_t delivered() const noexcept { return delivered_; }
    /// The highest seq heard of (>= delivered()).
    std::uint64_t known() const noexcept { return known_; }
    /// Events are known to exist that have not been let through.
    bool gap() const noexcept { return known_ > delivered_; }
    /// Where a read of the store should start: the first seq not let through.
    std::uint64_t fill_from() const noexcept { return delivered_ + 1; }
    /// Gives up on the events missing up to `up_to`: drops those held at or
    /// below it and, unless a later seq was heard of, forgets the gap. For
    /// the owner whose store, read after `up_to` was heard of, ends before
    /// it: a seq is heard of only once committed, after every seq below it,
    /// so what the store does not have was never committed (a forged or
    /// buggy publish). Events offered later go through, or wait, as before.
    void forget_missing(std::uint64_t up_to) noexcept;
    std::size_t held() const noexcept { return held_.size(); }

private:
    std::size_t max_held_;
    std::uint64_t delivered_ = 0;
    std::uint64_t known_ = 0;
    std::map<std::uint64_t, cluster_event> held_;  // seq > delivered_ + 1, with their data
};

}  // namespace chatd::chat
