#pragma once

#include "act/executor.hpp"
#include "act/timer_queue.hpp"

#include <cstddef>
#include <deque>
#include <mutex>

namespace act {

/// The deterministic executor for tests: nothing runs until the test says
/// so, turns run in the order they were posted, and time is virtual. A test
/// can say "a tells b, then b replies" and check each step without sleeping.
/// Posting and timers are thread-safe; run_*() and advance() belong to the
/// test's thread.
class manual_executor final : public executor {
public:
    manual_executor() = default;
    ~manual_executor() override;

    void post(resumable* r) override;
    time_point now() const override;
    timer_token schedule_at(time_point when, std::function<void()> fn) override;
    void cancel(timer_token t) override;
    bool driven_by_caller() const noexcept override { return true; }
    /// Runs one turn; when none is queued, moves time to the next timer.
    bool drive_one() override;

    /// Runs the oldest queued turn; false when none is queued.
    bool run_one();
    /// Runs queued turns (including those they post) until none is left,
    /// without moving time. Returns how many ran.
    std::size_t run();
    /// Moves virtual time forward by d, firing the timers that fall due in
    /// order, each followed by run(). Returns the turns run.
    std::size_t advance(duration d);

    std::size_t queued() const;
    std::size_t pending_timers() const;

private:
    bool fire_next_due(time_point limit);

    mutable std::mutex mutex_;
    std::deque<resumable*> queue_;
    timer_queue timers_;
    time_point now_{};  // virtual time starts at the clock's epoch
};

}  // namespace act
