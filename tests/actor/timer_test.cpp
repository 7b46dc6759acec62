// Actor timers (send_after, send_every, cancel_timer) in virtual time: when
// they fire, and that they die with the instance that made them.

#include "fixture.hpp"
#include "support.hpp"

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct tick {
    int n;
};
struct after {
    act::duration delay;
};
struct every {
    act::duration period;
};
struct cancel {};
struct boom {};

/// Arms timers on request and writes "tick <n> @<virtual ms>" when one fires.
struct ticker : act::actor<tick, after, every, cancel, boom> {
    explicit ticker(act::test::journal j) : j_(std::move(j)) {}
    void handle(const tick& t) override {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
        j_->push_back("tick " + std::to_string(t.n) + " @" + std::to_string(ms));
    }
    void handle(const after& a) override { timer_ = send_after(a.delay, tick{1}); }
    void handle(const every& e) override { timer_ = send_every(e.period, tick{2}); }
    void handle(const cancel&) override { cancel_timer(timer_); }
    void handle(const boom&) override { throw std::runtime_error("boom"); }
    act::test::journal j_;
    std::uint64_t timer_ = 0;
};

using journal_t = std::vector<std::string>;

}  // namespace

using timers = act::test::deterministic;

TEST_F(timers, send_after_fires_once_after_the_delay_and_not_before) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<ticker>({}, j);
    t.tell(after{1s});
    run();
    EXPECT_EQ(exec_.pending_timers(), 1u);
    advance(999ms);
    EXPECT_TRUE(j->empty());
    advance(1ms);
    EXPECT_EQ(*j, (journal_t{"tick 1 @1000"}));
    advance(1h);
    EXPECT_EQ(j->size(), 1u);
    EXPECT_EQ(exec_.pending_timers(), 0u);
}

TEST_F(timers, send_every_fires_at_each_period) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<ticker>({}, j);
    t.tell(every{100ms});
    run();
    advance(350ms);
    EXPECT_EQ(*j, (journal_t{"tick 2 @100", "tick 2 @200", "tick 2 @300"}));
    advance(50ms);
    EXPECT_EQ(j->size(), 4u);
    EXPECT_EQ(j->back(), "tick 2 @400");
}

TEST_F(timers, cancel_timer_stops_a_periodic_timer) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<ticker>({}, j);
    t.tell(every{100ms});
    run();
    advance(250ms);
    ASSERT_EQ(j->size(), 2u);
    t.tell(cancel{});
    run();
    EXPECT_EQ(exec_.pending_timers(), 0u);
    advance(1s);
    EXPECT_EQ(j->size(), 2u);
}

TEST_F(timers, cancel_timer_before_it_fires_means_it_never_does) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<ticker>({}, j);
    t.tell(after{1s});
    t.tell(cancel{});
    run();
    advance(1h);
    EXPECT_TRUE(j->empty());
}

TEST_F(timers, are_cancelled_when_the_actor_stops) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<ticker>({}, j);
    t.tell(every{100ms});
    run();
    advance(150ms);
    ASSERT_EQ(j->size(), 1u);
    sys_.stop(t);
    run();
    EXPECT_EQ(exec_.pending_timers(), 0u);
    advance(1s);
    EXPECT_EQ(j->size(), 1u);
}

TEST_F(timers, are_cancelled_when_the_actor_restarts) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<ticker>({}, j);
    t.tell(every{100ms});
    t.tell(after{250ms});
    run();
    advance(150ms);
    ASSERT_EQ(j->size(), 1u);
    t.tell(boom{});
    run();
    auto s = act::test::stats_of(sys_, t.id());
    ASSERT_TRUE(s);
    ASSERT_EQ(s->restarts, 1u);
    EXPECT_EQ(exec_.pending_timers(), 0u);
    advance(1s);
    EXPECT_EQ(j->size(), 1u);

    // The fresh instance's own timers work.
    t.tell(after{10ms});
    run();
    advance(10ms);
    EXPECT_EQ(j->back(), "tick 1 @1160");
}
