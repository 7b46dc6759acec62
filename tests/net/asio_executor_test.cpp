// The Asio-backed executor: on its own (every post ends in exactly one
// resume or abandon, timers fire in order on io threads and can be
// cancelled) and under a real actor system on two io threads.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/asio_executor.hpp"

#include "../actor/resumable_probe.hpp"
#include "../actor/support.hpp"

#include "act/system.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <future>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using act::test::countdown;
using act::test::generous;
using act::test::resumable_probe;
using chatd::net::asio_executor;
using chatd::net::io_threads;

namespace {

// ---- the executor on its own ----------------------------------------------------

TEST(asio_executor, runs_every_post_exactly_once_on_the_io_threads) {
    constexpr std::size_t n = 3000;
    boost::asio::io_context io;
    asio_executor exec(io);
    io_threads threads(io, 2);
    countdown done(n);
    std::atomic<int> off_io_thread{0};
    std::vector<std::unique_ptr<resumable_probe>> probes;
    for (std::size_t i = 0; i < n; ++i)
        probes.push_back(std::make_unique<resumable_probe>([&] {
            if (!threads.on_io_thread()) off_io_thread.fetch_add(1);
            done.hit();
        }));
    // From three threads at once, as actors on other executors would.
    std::vector<std::thread> posters;
    for (std::size_t t = 0; t < 3; ++t)
        posters.emplace_back([&, t] {
            for (std::size_t i = t; i < n; i += 3) exec.post(probes[i].get());
        });
    for (auto& p : posters) p.join();
    ASSERT_TRUE(done.wait());
    threads.stop();
    EXPECT_EQ(off_io_thread.load(), 0);
    for (auto& p : probes) {
        EXPECT_EQ(p->resumed(), 1);
        EXPECT_EQ(p->abandoned(), 0);
    }
}

TEST(asio_executor, destroying_the_io_context_abandons_posts_that_never_ran) {
    std::vector<std::unique_ptr<resumable_probe>> probes;
    for (int i = 0; i < 100; ++i) probes.push_back(std::make_unique<resumable_probe>());
    {
        boost::asio::io_context io;  // nobody runs it
        asio_executor exec(io);
        for (auto& p : probes) exec.post(p.get());
        for (auto& p : probes) ASSERT_EQ(p->abandoned(), 0);  // still queued, not lost
    }
    for (auto& p : probes) {
        EXPECT_EQ(p->resumed(), 0);
        EXPECT_EQ(p->abandoned(), 1);
    }
}

TEST(asio_executor, posts_left_on_a_stopped_io_context_are_abandoned_when_it_is_destroyed) {
    resumable_probe ran;
    std::vector<std::unique_ptr<resumable_probe>> late;
    for (int i = 0; i < 100; ++i) late.push_back(std::make_unique<resumable_probe>());
    {
        boost::asio::io_context io;
        asio_executor exec(io);
        io_threads threads(io, 2);
        countdown done(1);
        resumable_probe first([&] { done.hit(); });
        exec.post(&first);
        ASSERT_TRUE(done.wait());
        threads.stop();
        for (auto& p : late) exec.post(p.get());  // posted after the io threads stopped
        EXPECT_EQ(first.resumed(), 1);
    }
    for (auto& p : late) {
        EXPECT_EQ(p->resumed(), 0);
        EXPECT_EQ(p->abandoned(), 1);
    }
}

TEST(asio_executor, now_is_the_steady_clock) {
    boost::asio::io_context io;
    asio_executor exec(io);
    const auto before = act::clock::now();
    const auto t = exec.now();
    EXPECT_LE(before, t);
    EXPECT_LE(t, act::clock::now());
}

/// One io thread, so timers that fall due run one after another in due
/// order, and hold_io() can keep every timer from firing for a while.
class asio_timers : public ::testing::Test {
protected:
    ~asio_timers() override {
        release_io();
        threads_.stop();
    }

    /// Returns once the only io thread is busy in a turn that waits for
    /// release_io(): until then no timer fires, however slow this thread is.
    /// Once per test.
    void hold_io() {
        auto entered = std::make_shared<countdown>(1);
        blocker_ = std::make_unique<resumable_probe>([this, entered] {
            entered->hit();
            (void)release_.get_future().wait_for(generous);
        });
        exec_.post(blocker_.get());
        ASSERT_TRUE(entered->wait());
    }
    void release_io() {
        if (blocker_ && !released_) {
            released_ = true;
            release_.set_value();
        }
    }

    boost::asio::io_context io_;
    asio_executor exec_{io_};
    io_threads threads_{io_, 1};

private:
    std::promise<void> release_;
    std::unique_ptr<resumable_probe> blocker_;
    bool released_ = false;
};

TEST_F(asio_timers, fire_on_an_io_thread) {
    std::promise<bool> fired;
    exec_.schedule_at(exec_.now() + 1ms, [&] { fired.set_value(threads_.on_io_thread()); });
    auto f = fired.get_future();
    ASSERT_EQ(f.wait_for(generous), std::future_status::ready);
    EXPECT_TRUE(f.get());
    EXPECT_EQ(exec_.pending_timers(), 0u);
}

TEST_F(asio_timers, a_timer_already_due_fires) {
    countdown fired(1);
    exec_.schedule_at(exec_.now() - 1s, [&] { fired.hit(); });
    EXPECT_TRUE(fired.wait());
}

TEST_F(asio_timers, many_fire_once_each_in_due_order) {
    // Shuffled deadlines, scheduled from two threads while the io thread is
    // held: each fires once, and (one io thread) in the order of their
    // deadlines, some of them already past when the io thread is released.
    constexpr int n = 2000;
    std::vector<act::time_point> when(n);
    const auto base = exec_.now();
    hold_io();
    for (int i = 0; i < n; ++i) when[i] = base + std::chrono::microseconds(i * 7 % 5003);
    std::mt19937 rng(42);
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);

    std::mutex m;
    std::vector<act::time_point> fired;  // the deadline of each timer, as it fires
    countdown done(n);
    std::thread other([&] {
        for (int k = 0; k < n; k += 2) {
            const auto w = when[order[k]];
            exec_.schedule_at(w, [&, w] {
                std::lock_guard lock(m);
                fired.push_back(w);
                done.hit();
            });
        }
    });
    for (int k = 1; k < n; k += 2) {
        const auto w = when[order[k]];
        exec_.schedule_at(w, [&, w] {
            std::lock_guard lock(m);
            fired.push_back(w);
            done.hit();
        });
    }
    other.join();
    release_io();
    ASSERT_TRUE(done.wait());
    std::lock_guard lock(m);
    ASSERT_EQ(fired.size(), static_cast<std::size_t>(n));
    EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
    EXPECT_EQ(exec_.pending_timers(), 0u);
}

TEST_F(asio_timers, an_earlier_timer_fires_before_a_later_one_scheduled_first) {
    countdown fired(1);
    std::atomic<bool> late_fired{false};
    const auto late = exec_.schedule_at(exec_.now() + 1h, [&] { late_fired = true; });
    exec_.schedule_at(exec_.now() + 1ms, [&] { fired.hit(); });
    EXPECT_TRUE(fired.wait());
    EXPECT_FALSE(late_fired.load());
    EXPECT_EQ(exec_.pending_timers(), 1u);
    exec_.cancel(late);
    EXPECT_EQ(exec_.pending_timers(), 0u);
}

TEST_F(asio_timers, cancel_prevents_firing) {
    // Due at once, but the io thread is held until they are cancelled.
    hold_io();
    std::atomic<int> cancelled_fired{0};
    std::vector<act::timer_token> tokens;
    for (int i = 0; i < 50; ++i)
        tokens.push_back(exec_.schedule_at(exec_.now(), [&] { cancelled_fired.fetch_add(1); }));
    // Due after the cancelled ones: with one io thread, once it has fired
    // the cancelled ones would have fired before it.
    countdown sentinel(1);
    exec_.schedule_at(exec_.now(), [&] { sentinel.hit(); });
    for (auto t : tokens) exec_.cancel(t);
    EXPECT_EQ(exec_.pending_timers(), 1u);
    release_io();
    ASSERT_TRUE(sentinel.wait());
    EXPECT_EQ(cancelled_fired.load(), 0);
}

TEST_F(asio_timers, cancel_of_a_fired_or_unknown_token_is_a_no_op) {
    countdown fired(1);
    const auto t = exec_.schedule_at(exec_.now(), [&] { fired.hit(); });
    ASSERT_TRUE(fired.wait());
    exec_.cancel(t);                     // fired
    exec_.cancel(t);                     // twice
    exec_.cancel(act::timer_token{});    // empty
    exec_.cancel({exec_.now(), 12345});  // never issued
    // A pending one is untouched by all that.
    countdown later(1);
    exec_.schedule_at(exec_.now() + 1ms, [&] { later.hit(); });
    exec_.cancel({exec_.now(), 999999});
    EXPECT_TRUE(later.wait());
}

TEST_F(asio_timers, a_timer_may_schedule_and_cancel_timers) {
    countdown done(1);
    std::atomic<bool> victim_fired{false};
    const auto victim = exec_.schedule_at(exec_.now() + 1h, [&] { victim_fired = true; });
    exec_.schedule_at(exec_.now(), [&, victim] {
        exec_.cancel(victim);
        exec_.schedule_at(exec_.now(), [&] { done.hit(); });
    });
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(exec_.pending_timers(), 0u);  // the hour-long victim is gone
    EXPECT_FALSE(victim_fired.load());
}

TEST_F(asio_timers, one_that_throws_neither_stops_the_others_nor_costs_the_thread) {
    // Both due in the same batch: the second still fires.
    hold_io();
    countdown thrown(1);
    countdown second(1);
    exec_.schedule_at(exec_.now(), [&] {
        thrown.hit();
        throw std::runtime_error("test: a timer that throws");
    });
    exec_.schedule_at(exec_.now(), [&] { second.hit(); });
    release_io();
    ASSERT_TRUE(thrown.wait());
    EXPECT_TRUE(second.wait());
    // The exception left run() on the only io thread; it runs turns still.
    countdown ran(1);
    resumable_probe after([&] { ran.hit(); });
    exec_.post(&after);
    EXPECT_TRUE(ran.wait());
}

TEST(asio_executor, destruction_drops_pending_timers_unfired) {
    boost::asio::io_context io;
    io_threads threads(io, 2);
    auto held = std::make_shared<int>(0);
    std::atomic<int> fired{0};
    {
        asio_executor exec(io);
        for (int i = 0; i < 100; ++i) exec.schedule_at(exec.now() + 1h, [held, &fired] { fired.fetch_add(1); });
        exec.schedule_at(exec.now() + 1ms, [held, &fired] { fired.fetch_add(1000); });  // may fire, or not
        EXPECT_GE(held.use_count(), 100);
    }
    // The functions were released with the executor, not left in the queue.
    EXPECT_EQ(held.use_count(), 1);
    threads.stop();  // the cancelled wait's handler ran against the closed queue
    const int f = fired.load();
    EXPECT_TRUE(f == 0 || f == 1000) << f;  // the hour-long ones never fired
}

TEST(io_threads, runs_at_least_one_thread_and_stop_is_idempotent) {
    boost::asio::io_context io;
    io_threads threads(io, 0);
    EXPECT_EQ(threads.size(), 1u);
    EXPECT_FALSE(threads.on_io_thread());
    threads.stop();
    threads.stop();
    EXPECT_EQ(threads.size(), 0u);
}

// ---- an actor system on it --------------------------------------------------------

struct ball {
    int left;
};
struct meet {
    act::ref<ball> partner;
};
struct start_rally {
    int hits;
};
struct question {
    using reply = int;
    int n;
};
/// Stashes the promise and never answers.
struct ignored {
    using reply = int;
    static constexpr bool replies_later = true;
};
struct arm {
    act::duration delay;
};
struct ring {};

/// Returns the ball until it is dead. Its partner comes by message, not as
/// a spawn argument: the system keeps spawn arguments for restarts, and two
/// players holding each other's refs there would keep each other alive.
class player : public act::actor<meet, ball, start_rally, question> {
public:
    player(countdown* done, std::atomic<int>* received) : done_(done), received_(received) {}
    void handle(const meet& m) override { partner_ = m.partner; }
    void handle(const start_rally& s) override { partner_.tell(ball{s.hits - 1}); }
    void handle(const ball& b) override {
        received_->fetch_add(1, std::memory_order_relaxed);
        if (b.left == 0)
            done_->hit();
        else
            partner_.tell(ball{b.left - 1});
    }
    int handle(const question& q) override { return q.n * 2; }

private:
    act::ref<ball> partner_;
    countdown* done_;
    std::atomic<int>* received_;
};

class sulker : public act::actor<ignored> {
public:
    void handle(const ignored&, act::promise<int> p) override { kept_.push_back(std::move(p)); }

private:
    std::vector<act::promise<int>> kept_;
};

class alarm : public act::actor<arm, ring> {
public:
    explicit alarm(countdown* rung) : rung_(rung) {}
    void handle(const arm& a) override { send_after(a.delay, ring{}); }
    void handle(const ring&) override { rung_->hit(); }

private:
    countdown* rung_;
};

/// A system on the Asio executor with two io threads; torn down in the
/// order main must use: system, io threads, executor, io_context.
class asio_system : public ::testing::Test {
protected:
    ~asio_system() override {
        EXPECT_TRUE(sys_.shutdown(generous));
        threads_.stop();
    }

    /// f.get(), bounded: if no outcome comes within `generous`, the test
    /// fails and a shutdown fails the ask, so the test ends instead of hanging.
    template <class R>
    act::result<R> get_bounded(act::ask_future<R> f) {
        std::promise<act::result<R>> got;
        auto outcome = got.get_future();
        std::thread waiter([&] { got.set_value(f.get()); });
        if (outcome.wait_for(generous) != std::future_status::ready) {
            ADD_FAILURE() << "the ask had no outcome in time";
            sys_.request_shutdown();
        }
        waiter.join();
        return outcome.get();
    }

    boost::asio::io_context io_;
    asio_executor exec_{io_};
    io_threads threads_{io_, 2};
    act::system sys_{act::system_config{.exec = &exec_}};
};

TEST_F(asio_system, ping_pong_delivers_every_message) {
    constexpr int hits = 10000;
    countdown done(1);
    std::atomic<int> received{0};
    auto a = sys_.spawn<player>({}, &done, &received);
    auto b = sys_.spawn<player>({}, &done, &received);
    a.tell(meet{b});
    b.tell(meet{a});
    a.tell(start_rally{hits});
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(received.load(), hits);
}

TEST_F(asio_system, ask_gets_the_reply) {
    countdown unused(1);
    std::atomic<int> received{0};
    auto p = sys_.spawn<player>({}, &unused, &received);
    auto r = get_bounded(p.ask(question{21}, generous));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 42);
}

TEST_F(asio_system, ask_times_out_on_the_asio_timers) {
    // The target runs on the Asio executor, so the ask's timeout is armed
    // there; it never answers, so only the Asio timer can end the wait.
    auto s = sys_.spawn<sulker>({});
    auto r = get_bounded(s.ask(ignored{}, 20ms));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), act::errc::timeout);
}

TEST_F(asio_system, many_asks_time_out_with_one_asio_timer) {
    auto s = sys_.spawn<sulker>({});
    std::vector<act::ask_future<int>> futures;
    for (int i = 0; i < 500; ++i) futures.push_back(s.ask(ignored{}, std::chrono::milliseconds(1 + i % 20)));
    for (auto& f : futures) {
        auto r = get_bounded(std::move(f));
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), act::errc::timeout);
    }
    EXPECT_EQ(exec_.pending_timers(), 0u);
}

TEST_F(asio_system, send_after_fires) {
    countdown rung(1);
    auto a = sys_.spawn<alarm>({}, &rung);
    a.tell(arm{1ms});
    EXPECT_TRUE(rung.wait());
}

TEST_F(asio_system, replies_cancel_their_timeouts) {
    countdown unused(1);
    std::atomic<int> received{0};
    auto p = sys_.spawn<player>({}, &unused, &received);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(get_bounded(p.ask(question{i}, 1h)).has_value());
    EXPECT_EQ(exec_.pending_timers(), 0u);
}

TEST_F(asio_system, shuts_down_cleanly_with_work_in_flight) {
    constexpr int pairs = 20;
    countdown never(1);
    std::atomic<int> received{0};
    for (int i = 0; i < pairs; ++i) {
        auto a = sys_.spawn<player>({}, &never, &received);
        auto b = sys_.spawn<player>({}, &never, &received);
        a.tell(meet{b});
        b.tell(meet{a});
        a.tell(start_rally{1'000'000});  // still rallying when shutdown comes
    }
    auto s = sys_.spawn<sulker>({});
    auto pending = s.ask(ignored{}, 1h);
    EXPECT_TRUE(sys_.shutdown(generous));
    EXPECT_EQ(sys_.live_actors(), 0u);
    auto r = get_bounded(std::move(pending));
    ASSERT_FALSE(r.has_value());  // failed by the shutdown, not left hanging
    EXPECT_NE(r.error(), act::errc::timeout);
}

}  // namespace
