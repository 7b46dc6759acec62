// The deterministic test executor on its own: nothing runs until the test
// says so, turns run in post order, and timers fire in virtual time order.

#include "resumable_probe.hpp"

#include "act/manual_executor.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using act::test::resumable_probe;

namespace {

using journal = std::vector<std::string>;

/// Milliseconds of virtual time since the executor's start.
long long ms(const act::manual_executor& ex) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(ex.now().time_since_epoch()).count();
}

}  // namespace

TEST(manual_executor, runs_nothing_until_asked) {
    act::manual_executor ex;
    resumable_probe a, b;
    ex.post(&a);
    ex.post(&b);
    EXPECT_EQ(ex.queued(), 2u);
    EXPECT_EQ(a.resumed() + b.resumed(), 0);
    EXPECT_EQ(ex.run(), 2u);
    EXPECT_EQ(a.resumed(), 1);
    EXPECT_EQ(b.resumed(), 1);
    EXPECT_EQ(ex.queued(), 0u);
    EXPECT_EQ(ex.run(), 0u);
}

TEST(manual_executor, runs_turns_in_post_order_including_those_posted_while_running) {
    act::manual_executor ex;
    journal j;
    resumable_probe late([&] { j.push_back("late"); });
    resumable_probe first([&] {
        j.push_back("first");
        ex.post(&late);
    });
    resumable_probe second([&] { j.push_back("second"); });
    ex.post(&first);
    ex.post(&second);
    EXPECT_EQ(ex.run(), 3u);
    EXPECT_EQ(j, (journal{"first", "second", "late"}));
}

TEST(manual_executor, run_one_runs_only_the_oldest) {
    act::manual_executor ex;
    resumable_probe a, b;
    ex.post(&a);
    ex.post(&b);
    EXPECT_TRUE(ex.run_one());
    EXPECT_EQ(a.resumed(), 1);
    EXPECT_EQ(b.resumed(), 0);
    EXPECT_TRUE(ex.run_one());
    EXPECT_FALSE(ex.run_one());
}

TEST(manual_executor, advance_moves_virtual_time_by_exactly_the_step) {
    act::manual_executor ex;
    const auto start = ex.now();
    ex.advance(250ms);
    EXPECT_EQ(ex.now() - start, 250ms);
    ex.advance(1h);
    EXPECT_EQ(ex.now() - start, 1h + 250ms);
}

TEST(manual_executor, advance_fires_due_timers_in_time_order_and_runs_what_they_post) {
    act::manual_executor ex;
    journal j;
    resumable_probe after_early([&] { j.push_back("turn posted at " + std::to_string(ms(ex))); });
    // Scheduled out of order on purpose.
    ex.schedule_at(ex.now() + 30ms, [&] { j.push_back("timer 30 at " + std::to_string(ms(ex))); });
    ex.schedule_at(ex.now() + 10ms, [&] {
        j.push_back("timer 10 at " + std::to_string(ms(ex)));
        ex.post(&after_early);
    });
    ex.schedule_at(ex.now() + 20ms, [&] { j.push_back("timer 20 at " + std::to_string(ms(ex))); });
    EXPECT_EQ(ex.pending_timers(), 3u);
    ex.advance(100ms);
    EXPECT_EQ(j, (journal{"timer 10 at 10", "turn posted at 10", "timer 20 at 20", "timer 30 at 30"}));
    EXPECT_EQ(ex.pending_timers(), 0u);
}

TEST(manual_executor, timers_not_yet_due_stay_pending) {
    act::manual_executor ex;
    int fired = 0;
    ex.schedule_at(ex.now() + 10ms, [&] { ++fired; });
    ex.advance(9ms);
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(ex.pending_timers(), 1u);
    ex.advance(1ms);
    EXPECT_EQ(fired, 1);
}

TEST(manual_executor, timers_due_at_the_same_time_fire_in_scheduling_order) {
    act::manual_executor ex;
    journal j;
    const auto when = ex.now() + 5ms;
    for (const char* name : {"a", "b", "c"}) ex.schedule_at(when, [&j, name] { j.push_back(name); });
    ex.advance(5ms);
    EXPECT_EQ(j, (journal{"a", "b", "c"}));
}

TEST(manual_executor, a_timer_scheduled_while_advancing_fires_in_the_same_advance_if_due) {
    act::manual_executor ex;
    journal j;
    ex.schedule_at(ex.now() + 10ms, [&] {
        j.push_back("first at " + std::to_string(ms(ex)));
        ex.schedule_at(ex.now() + 10ms, [&] { j.push_back("second at " + std::to_string(ms(ex))); });
        ex.schedule_at(ex.now() + 100ms, [&] { j.push_back("too late"); });
    });
    ex.advance(50ms);
    EXPECT_EQ(j, (journal{"first at 10", "second at 20"}));
    EXPECT_EQ(ex.pending_timers(), 1u);
}

TEST(manual_executor, a_cancelled_timer_never_fires) {
    act::manual_executor ex;
    int fired = 0;
    auto keep = ex.schedule_at(ex.now() + 10ms, [&] { ++fired; });
    auto drop = ex.schedule_at(ex.now() + 5ms, [&] { fired += 100; });
    EXPECT_TRUE(keep);
    EXPECT_TRUE(drop);
    ex.cancel(drop);
    EXPECT_EQ(ex.pending_timers(), 1u);
    ex.advance(1s);
    EXPECT_EQ(fired, 1);
    ex.cancel(keep);  // already fired: a no-op
    EXPECT_EQ(fired, 1);
}

TEST(manual_executor, cancel_releases_what_the_timer_held) {
    act::manual_executor ex;
    auto held = std::make_shared<int>(0);
    auto t = ex.schedule_at(ex.now() + 1s, [held] {});
    EXPECT_EQ(held.use_count(), 2);
    ex.cancel(t);
    EXPECT_EQ(held.use_count(), 1);
}

TEST(manual_executor, drive_one_runs_a_queued_turn_before_moving_time) {
    act::manual_executor ex;
    journal j;
    resumable_probe turn([&] { j.push_back("turn at " + std::to_string(ms(ex))); });
    ex.schedule_at(ex.now() + 1s, [&] { j.push_back("timer at " + std::to_string(ms(ex))); });
    ex.post(&turn);
    EXPECT_TRUE(ex.drive_one());
    EXPECT_EQ(j, (journal{"turn at 0"}));
    EXPECT_TRUE(ex.drive_one());
    EXPECT_EQ(j, (journal{"turn at 0", "timer at 1000"}));
    EXPECT_FALSE(ex.drive_one());  // nothing left at all
    EXPECT_TRUE(ex.driven_by_caller());
}

TEST(manual_executor, destruction_abandons_turns_never_run) {
    resumable_probe ran, left1, left2;
    {
        act::manual_executor ex;
        ex.post(&ran);
        ex.run();
        ex.post(&left1);
        ex.post(&left2);
    }
    EXPECT_EQ(ran.resumed(), 1);
    EXPECT_EQ(ran.abandoned(), 0);
    for (auto* p : {&left1, &left2}) {
        EXPECT_EQ(p->resumed(), 0);
        EXPECT_EQ(p->abandoned(), 1);
    }
}

TEST(manual_executor, destruction_drops_timers_without_firing_them) {
    auto held = std::make_shared<int>(0);
    int fired = 0;
    {
        act::manual_executor ex;
        ex.schedule_at(ex.now() + 1s, [held, &fired] { ++fired; });
    }
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(held.use_count(), 1);
}
