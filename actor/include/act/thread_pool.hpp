#pragma once

#include "act/executor.hpp"
#include "act/timer_queue.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace act {

/// How a pool's threads are scheduled against the other threads of the
/// process when they share a core.
enum class thread_priority {
    normal,
    /// Linux's SCHED_BATCH (elsewhere: normal). A woken thread does not
    /// preempt the thread that woke it, so a busy poster keeps its core and
    /// the batch thread takes the work piled up meanwhile in one go; its
    /// share of the CPU is unchanged. For blocking, throughput-bound actors
    /// (the storage writer) next to latency-bound io threads.
    batch,
};

/// An executor with a fixed set of worker threads and one timer thread.
/// Each worker has its own lock-free queue; a turn posted from a worker goes
/// to that worker (the receiver runs where the message is hot in cache), and
/// idle workers steal from the others. Thread-safe.
class thread_pool final : public executor {
public:
    /// How long an idle worker polls before it sleeps, in pause
    /// instructions (about 10-50 µs by default): a partner usually posts
    /// within microseconds, and waking a sleeper costs a system call.
    static constexpr int default_spins = 1000;

    /// `threads` workers (at least 1), named `name` for debuggers; an idle
    /// worker polls `spins` times before sleeping (0: sleeps at once). The
    /// workers and the timer thread run at `priority`.
    explicit thread_pool(std::size_t threads, std::string name = "act-pool", int spins = default_spins,
                         thread_priority priority = thread_priority::normal);
    /// Stops the threads; turns still queued are run first.
    ~thread_pool() override;

    void post(resumable* r) override;
    time_point now() const override { return clock::now(); }
    timer_token schedule_at(time_point when, std::function<void()> fn) override;
    void cancel(timer_token t) override;

    std::size_t size() const noexcept { return workers_.size(); }

private:
    struct worker;
    void run_worker(std::size_t index);
    void run_timers();
    resumable* take(std::size_t index);
    bool anything_queued() const noexcept;

    const int spins_;
    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> sleepers_{0};
    std::atomic<std::size_t> next_{0};
    std::atomic<bool> stopping_{false};
    std::mutex sleep_mutex_;
    std::condition_variable wake_;

    std::mutex timer_mutex_;
    std::condition_variable timer_wake_;
    timer_queue timers_;
    bool timers_stopping_ = false;
    time_point timer_sleeps_until_ = time_point::max();  // no wake needed for later timers
    std::thread timer_thread_;
};

/// One thread of its own, for actors that block (SQLite, file I/O): they
/// never hold up the pool's threads. It sleeps as soon as it is idle: its
/// work comes in batches far apart next to a spin, and polling would take
/// the CPU from the threads that post to it (measured: 3.6% of the one core
/// chatd ran on, in its storage thread's spin).
class dedicated_thread final : public executor {
public:
    explicit dedicated_thread(std::string name = "act-dedicated", thread_priority priority = thread_priority::normal)
        : pool_(1, std::move(name), 0, priority) {}
    void post(resumable* r) override { pool_.post(r); }
    time_point now() const override { return pool_.now(); }
    timer_token schedule_at(time_point when, std::function<void()> fn) override {
        return pool_.schedule_at(when, std::move(fn));
    }
    void cancel(timer_token t) override { pool_.cancel(t); }

private:
    thread_pool pool_;
};

}  // namespace act
