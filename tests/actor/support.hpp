#pragma once

// Helpers shared by the actor tests: a second deterministic executor for
// actors that must stay still while the rest of the system runs, a way to
// read one actor's counters, and a bounded wait for real-thread tests.

#include "act/manual_executor.hpp"
#include "act/system.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <optional>

namespace act::test {

/// Long enough for any machine, sanitizers included; a test that needs it
/// has failed anyway.
inline constexpr auto generous = std::chrono::seconds(30);

/// A second manual executor. Actors spawned on it (spawn_options::exec)
/// only run when the test calls run(): a target that has not yet handled an
/// ask, a watcher whose mailbox stays full. At scope exit it shuts the
/// system down, driving both executors, so no actor outlives it.
class side_executor {
public:
    side_executor(system& sys, manual_executor& main) : sys_(sys), main_(main) {}
    side_executor(const side_executor&) = delete;
    side_executor& operator=(const side_executor&) = delete;
    ~side_executor() {
        sys_.request_shutdown();
        while (main_.run() + exec_.run() > 0) {
        }
    }

    /// For spawn_options::exec.
    executor* get() noexcept { return &exec_; }
    /// Runs the side's queued turns.
    std::size_t run() { return exec_.run(); }
    /// Runs both executors until neither has anything queued.
    void settle() {
        while (main_.run() + exec_.run() > 0) {
        }
    }

private:
    system& sys_;
    manual_executor& main_;
    manual_executor exec_;
};

/// The counters of actor `id` in a fresh snapshot, if it is live.
inline std::optional<actor_stats> stats_of(const system& sys, std::uint64_t id) {
    for (auto& a : sys.snapshot().actors)
        if (a.id == id) return a;
    return std::nullopt;
}

/// Counts events from any thread; wait() returns true once `n` happened,
/// false if that took longer than `generous`.
class countdown {
public:
    explicit countdown(std::size_t n) : left_(n) {
        if (n == 0) done_.set_value();
    }
    void hit() {
        if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.set_value();
    }
    bool wait() { return future_.wait_for(generous) == std::future_status::ready; }

private:
    std::atomic<std::size_t> left_;
    std::promise<void> done_;
    std::future<void> future_ = done_.get_future();
};

}  // namespace act::test
