// The thread pool and the dedicated thread on their own: every posted turn
// runs exactly once, timers fire in due order and can be cancelled, and
// destruction neither loses queued turns nor fires pending timers.

#include "resumable_probe.hpp"
#include "support.hpp"

#include "act/thread_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <sched.h>
#include <set>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using act::test::countdown;
using act::test::resumable_probe;

namespace {

/// `n` probes that each count down `done` when they run.
std::vector<std::unique_ptr<resumable_probe>> make_probes(std::size_t n, countdown& done) {
    std::vector<std::unique_ptr<resumable_probe>> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(std::make_unique<resumable_probe>([&done] { done.hit(); }));
    return v;
}

}  // namespace

TEST(thread_pool, has_at_least_one_worker) {
    act::thread_pool none(0);
    EXPECT_EQ(none.size(), 1u);
    act::thread_pool three(3);
    EXPECT_EQ(three.size(), 3u);
}

TEST(thread_pool, runs_every_item_posted_from_several_threads_exactly_once) {
    constexpr std::size_t per_thread = 1000;
    constexpr std::size_t posters = 3;
    countdown done(per_thread * posters);
    auto probes = make_probes(per_thread * posters, done);
    {
        act::thread_pool pool(2);
        std::latch start(posters);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < posters; ++t)
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                for (std::size_t i = 0; i < per_thread; ++i) pool.post(probes[t * per_thread + i].get());
            });
        for (auto& th : threads) th.join();
        ASSERT_TRUE(done.wait());
    }
    for (auto& p : probes) {
        EXPECT_EQ(p->resumed(), 1);
        EXPECT_EQ(p->abandoned(), 0);
    }
}

TEST(thread_pool, runs_items_posted_by_running_items) {
    // A chain: each item posts the next from inside the pool.
    constexpr std::size_t length = 500;
    countdown done(length);
    // Before the pool, so that the pool (joining its workers) goes first.
    std::vector<std::unique_ptr<resumable_probe>> chain(length);
    act::thread_pool pool(2);
    for (std::size_t i = length; i-- > 0;) {
        resumable_probe* next = i + 1 < length ? chain[i + 1].get() : nullptr;
        chain[i] = std::make_unique<resumable_probe>([&pool, &done, next] {
            if (next != nullptr) pool.post(next);
            done.hit();
        });
    }
    pool.post(chain[0].get());
    ASSERT_TRUE(done.wait());
    for (auto& p : chain) EXPECT_EQ(p->resumed(), 1);
}

// An item posted from a worker that then stays busy must not wait for it:
// the idle worker takes it. (The item made ready last may stay with its
// worker, so two are posted; the one waited on is the first.)
TEST(thread_pool, an_idle_worker_takes_work_from_a_busy_one) {
    std::promise<void> first_ran;
    auto first_done = first_ran.get_future();
    resumable_probe first([&] { first_ran.set_value(); });
    resumable_probe second;
    std::promise<bool> outcome;
    act::thread_pool* workers = nullptr;
    resumable_probe busy([&] {
        workers->post(&first);
        workers->post(&second);
        outcome.set_value(first_done.wait_for(act::test::generous) == std::future_status::ready);
    });
    // The pool is declared after the probes so that it is destroyed first:
    // its workers may still be inside `busy` or about to run `second` when
    // the test ends, and must never reach a probe that is gone (UBSan
    // caught exactly that).
    act::thread_pool pool(2);
    workers = &pool;
    pool.post(&busy);
    auto saw = outcome.get_future();
    ASSERT_EQ(saw.wait_for(act::test::generous * 2), std::future_status::ready);
    EXPECT_TRUE(saw.get());
}

TEST(thread_pool, timers_fire_in_due_order_and_never_early) {
    act::thread_pool pool(1);
    std::mutex m;
    std::vector<int> order;
    std::vector<bool> early;
    countdown done(3);
    const auto base = pool.now();
    for (int ms : {30, 10, 20}) {
        const auto when = base + std::chrono::milliseconds(ms);
        pool.schedule_at(when, [&, ms, when] {
            const bool too_soon = act::clock::now() < when;
            {
                std::lock_guard lock(m);
                order.push_back(ms);
                early.push_back(too_soon);
            }
            done.hit();
        });
    }
    ASSERT_TRUE(done.wait());
    std::lock_guard lock(m);
    EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
    EXPECT_EQ(std::count(early.begin(), early.end(), true), 0);
}

TEST(thread_pool, a_cancelled_timer_never_fires) {
    act::thread_pool pool(1);
    std::atomic<bool> cancelled_fired{false};
    std::promise<void> later_fired;
    const auto base = pool.now();
    auto doomed = pool.schedule_at(base + 20ms, [&] { cancelled_fired = true; });
    pool.schedule_at(base + 40ms, [&] { later_fired.set_value(); });
    pool.cancel(doomed);
    // Timers fire in due order: once the later one has, the cancelled one would have.
    ASSERT_EQ(later_fired.get_future().wait_for(act::test::generous), std::future_status::ready);
    EXPECT_FALSE(cancelled_fired.load());
}

TEST(thread_pool, destruction_runs_what_was_already_queued) {
    constexpr std::size_t n = 2000;
    countdown done(n);
    auto probes = make_probes(n, done);
    {
        act::thread_pool pool(2);
        for (auto& p : probes) pool.post(p.get());
    }  // most are still queued here
    for (auto& p : probes) {
        EXPECT_EQ(p->resumed() + p->abandoned(), 1);
        EXPECT_EQ(p->resumed(), 1) << "the pool promises to run queued turns before it stops";
    }
}

TEST(thread_pool, destruction_drops_pending_timers_without_firing_them) {
    auto held = std::make_shared<int>(0);
    std::atomic<bool> fired{false};
    {
        act::thread_pool pool(1);
        pool.schedule_at(pool.now() + 1h, [held, &fired] { fired = true; });
    }
    EXPECT_FALSE(fired.load());
    EXPECT_EQ(held.use_count(), 1);
}

// ---- dedicated thread -----------------------------------------------------

TEST(dedicated_thread, runs_everything_on_one_thread_of_its_own) {
    constexpr std::size_t n = 500;
    std::mutex m;
    std::set<std::thread::id> ids;
    countdown done(n);
    std::vector<std::unique_ptr<resumable_probe>> probes;
    for (std::size_t i = 0; i < n; ++i)
        probes.push_back(std::make_unique<resumable_probe>([&] {
            {
                std::lock_guard lock(m);
                ids.insert(std::this_thread::get_id());
            }
            done.hit();
        }));
    act::dedicated_thread own;
    std::vector<std::thread> posters;
    for (std::size_t t = 0; t < 2; ++t)
        posters.emplace_back([&, t] {
            for (std::size_t i = t; i < n; i += 2) own.post(probes[i].get());
        });
    for (auto& th : posters) th.join();
    ASSERT_TRUE(done.wait());
    std::lock_guard lock(m);
    EXPECT_EQ(ids.size(), 1u);
    EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
}

TEST(dedicated_thread, fires_its_timers) {
    act::dedicated_thread own;
    std::promise<std::thread::id> fired;
    own.schedule_at(own.now() + 1ms, [&] { fired.set_value(std::this_thread::get_id()); });
    auto f = fired.get_future();
    ASSERT_EQ(f.wait_for(act::test::generous), std::future_status::ready);
    EXPECT_NE(f.get(), std::this_thread::get_id());
}

#if defined(__linux__)
// What the storage writer relies on to leave the io thread its core: its
// turns and its timers run as SCHED_BATCH; a normal pool's run as the
// thread that made it does.
TEST(dedicated_thread, at_batch_priority_runs_turns_and_timers_as_sched_batch) {
    const int own_policy = sched_getscheduler(0);
    act::dedicated_thread batch("batch", act::thread_priority::batch);
    act::dedicated_thread normal("normal");
    // On a timeout the probe and the promise are left to leak: the turn may
    // still run later, and must not find them gone.
    auto policy_of_turn = [](act::executor& ex) {
        auto policy = std::make_shared<std::promise<int>>();
        auto probe = std::make_unique<resumable_probe>([policy] { policy->set_value(sched_getscheduler(0)); });
        ex.post(probe.get());
        auto f = policy->get_future();
        if (f.wait_for(act::test::generous) != std::future_status::ready) {
            (void)probe.release();
            return -1;
        }
        return f.get();
    };
    auto policy_of_timer = [](act::executor& ex) {
        auto policy = std::make_shared<std::promise<int>>();
        ex.schedule_at(ex.now(), [policy] { policy->set_value(sched_getscheduler(0)); });
        auto f = policy->get_future();
        return f.wait_for(act::test::generous) == std::future_status::ready ? f.get() : -1;
    };
    EXPECT_EQ(policy_of_turn(batch), SCHED_BATCH);
    EXPECT_EQ(policy_of_timer(batch), SCHED_BATCH);
    EXPECT_EQ(policy_of_turn(normal), own_policy);
    EXPECT_EQ(policy_of_timer(normal), own_policy);
}
#endif
