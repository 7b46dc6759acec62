#pragma once

#include "act/mpsc_queue.hpp"

#include <chrono>
#include <cstdint>
#include <functional>

namespace act {

/// Something an executor runs: one turn of an actor.
/// The executor calls exactly one of resume() or abandon() per post().
/// It is posted at most once at a time, so an executor may queue it through
/// its own link (no allocation per post).
class resumable : public mpsc_node {
public:
    /// Runs one turn. Called by the executor on one of its threads.
    virtual void resume() = 0;
    /// Releases the posted reference without running (executor torn down).
    virtual void abandon() noexcept = 0;

protected:
    ~resumable() = default;
};

using clock = std::chrono::steady_clock;
using duration = clock::duration;
using time_point = clock::time_point;

/// Identifies a scheduled timer, for cancel().
struct timer_token {
    time_point when{};
    std::uint64_t id = 0;
    explicit operator bool() const noexcept { return id != 0; }
    friend auto operator<=>(const timer_token&, const timer_token&) = default;
};

/// Where actor turns and timers run. The actor core ships a thread pool, a
/// dedicated thread and a deterministic test executor; the server supplies
/// one backed by Asio's io_context. Every member is thread-safe.
class executor {
public:
    virtual ~executor() = default;

    /// Runs r->resume() (or r->abandon() if never run) on one of its threads.
    virtual void post(resumable* r) = 0;

    /// The executor's clock: real time, or virtual time in tests.
    virtual time_point now() const = 0;

    /// Calls fn once at or after `when`, on a thread of the executor's choosing.
    /// fn must be quick and must not block (it typically enqueues a message).
    virtual timer_token schedule_at(time_point when, std::function<void()> fn) = 0;

    /// Cancels a timer that has not fired yet; a no-op otherwise.
    virtual void cancel(timer_token t) = 0;

    /// True for an executor whose turns run only when the caller drives it
    /// (the deterministic test executor); waiting code must drive it instead
    /// of blocking.
    virtual bool driven_by_caller() const noexcept { return false; }

    /// For driven_by_caller() executors: makes progress (runs a queued turn,
    /// or else lets virtual time reach the next timer); false if nothing is left.
    virtual bool drive_one() { return false; }
};

}  // namespace act
