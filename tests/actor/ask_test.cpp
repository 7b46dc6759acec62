// Request and reply: from plain code (a future), from an actor (a
// continuation in its own turn), deferred replies (replies_later and
// act::promise), and every way an ask can fail.

#include "fixture.hpp"
#include "support.hpp"

#include "act/thread_pool.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct question {
    using reply = int;
    int n;
};
struct explode {
    using reply = int;
};
struct boom {};

/// Answers twice the question; `explode` and `boom` throw.
struct answerer : act::actor<question, explode, boom> {
    answerer() = default;
    explicit answerer(act::test::journal j) : j_(std::move(j)) {}
    int handle(const question& q) override {
        if (j_) j_->push_back("answer " + std::to_string(q.n));
        return 2 * q.n;
    }
    int handle(const explode&) override { throw std::runtime_error("explode"); }
    void handle(const boom&) override { throw std::runtime_error("boom"); }
    act::test::journal j_;
};

std::string describe(const act::result<int>& r) {
    return r ? "got " + std::to_string(*r) : "failed " + std::string(to_string(r.error()));
}

struct go {
    int n = 21;
    act::duration timeout = 1s;
};

/// On go, asks `target` and writes what happens to the journal.
struct asker : act::actor<go, boom> {
    asker(act::ref<question> target, act::test::journal j) : target_(std::move(target)), j_(std::move(j)) {}
    void handle(const go& g) override {
        j_->push_back("asking");
        ask(target_, question{g.n}, g.timeout, [this](act::result<int> r) {
            ++replies_;  // the asker's own state: safe, this runs in its turn
            j_->push_back(describe(r) + " (reply " + std::to_string(replies_) + ")");
        });
        j_->push_back("asked");
    }
    void handle(const boom&) override { throw std::runtime_error("boom"); }
    act::ref<question> target_;
    act::test::journal j_;
    int replies_ = 0;
};

}  // namespace

class ask : public act::test::deterministic {
protected:
    /// An answerer that has failed and whose supervisor waits a minute
    /// before restarting it: until then nothing it is sent is handled.
    act::ref<question, explode, boom> spawn_stalled_answerer(act::test::journal j = act::test::make_journal()) {
        act::supervisor_options so;
        so.backoff.min = 1min;
        so.backoff.jitter = 0;
        act::spawn_options o;
        o.parent = sys_.spawn_supervisor({}, so);
        auto t = sys_.spawn<answerer>(o, std::move(j));
        t.tell(boom{});
        run();
        return t;
    }
};

// ---- from plain code --------------------------------------------------------

TEST_F(ask, a_reply_arrives_once_the_target_runs) {
    auto t = sys_.spawn<answerer>({});
    auto f = t.ask(question{21}, 1s);
    EXPECT_FALSE(f.ready());
    run();
    ASSERT_TRUE(f.ready());
    auto r = f.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 42);
}

TEST_F(ask, get_drives_the_deterministic_executor_itself) {
    auto t = sys_.spawn<answerer>({});
    auto r = t.ask(question{5}, 1s).get();  // no run(): get() makes progress
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 10);
}

// The target failed and its supervisor waits a minute before restarting it,
// so nothing handles the question in time.
TEST_F(ask, times_out_when_the_target_never_replies) {
    auto j = act::test::make_journal();
    auto t = spawn_stalled_answerer(j);
    auto f = t.ask(question{1}, 1s);
    advance(999ms);
    EXPECT_FALSE(f.ready());
    advance(1ms);
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "failed timeout");

    // The restarted target answers later; the outcome stays the timeout.
    advance(2min);
    EXPECT_EQ(*j, (std::vector<std::string>{"answer 1"}));
    EXPECT_EQ(describe(f.get()), "failed timeout");
}

TEST_F(ask, to_a_stopped_actor_fails_at_once_with_dead) {
    auto t = sys_.spawn<answerer>({});
    run();
    sys_.stop(t);
    run();
    const auto before = exec_.now();
    auto f = t.ask(question{1}, 1h);
    ASSERT_TRUE(f.ready());  // nothing ran, no time passed
    EXPECT_EQ(describe(f.get()), "failed dead");
    EXPECT_EQ(exec_.now(), before);
    EXPECT_EQ(exec_.pending_timers(), 0u);  // the timeout went with it
}

TEST_F(ask, fails_with_dead_when_the_target_stops_before_handling_it) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<answerer>({}, j);
    run();
    auto f = t.ask(question{1}, 1h);
    sys_.stop(t);  // the stop overtakes the queued question
    run();
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "failed dead");
    EXPECT_TRUE(j->empty());
}

TEST_F(ask, fails_with_handler_failed_when_the_handler_throws) {
    auto t = sys_.spawn<answerer>({});
    auto f = t.ask(explode{}, 1s);
    run();
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "failed handler_failed");
    // The target was restarted and answers the next one.
    EXPECT_EQ(describe(t.ask(question{2}, 1s).get()), "got 4");
}

TEST_F(ask, queued_asks_fail_with_shutdown_when_the_system_shuts_down) {
    act::test::side_executor side(sys_, exec_);
    act::spawn_options o;
    o.exec = side.get();
    auto j = act::test::make_journal();
    auto t = sys_.spawn<answerer>(o, j);
    side.settle();
    auto f1 = t.ask(question{1}, 1h);
    auto f2 = t.ask(question{2}, 1h);

    sys_.request_shutdown();
    side.settle();
    ASSERT_TRUE(f1.ready());
    ASSERT_TRUE(f2.ready());
    EXPECT_EQ(describe(f1.get()), "failed shutdown");
    EXPECT_EQ(describe(f2.get()), "failed shutdown");
    EXPECT_TRUE(j->empty());
    EXPECT_EQ(sys_.live_actors(), 0u);
}

// ---- from an actor ----------------------------------------------------------

TEST_F(ask, an_actor_gets_the_reply_in_a_continuation_without_waiting) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<answerer>({}, j);
    auto a = sys_.spawn<asker>({}, t, j);
    a.tell(go{});
    run();
    // The asker's handler returned before the target answered; the reply
    // came back later as a message of its own.
    EXPECT_EQ(*j, (std::vector<std::string>{"asking", "asked", "answer 21", "got 42 (reply 1)"}));
}

TEST_F(ask, a_continuation_receives_errors_too) {
    auto j = act::test::make_journal();
    auto t = sys_.spawn<answerer>({}, act::test::make_journal());
    run();
    sys_.stop(t);
    run();
    auto a = sys_.spawn<asker>({}, t, j);
    a.tell(go{});
    run();
    EXPECT_EQ(*j, (std::vector<std::string>{"asking", "asked", "failed dead (reply 1)"}));
}

TEST_F(ask, a_continuation_receives_the_timeout_and_nothing_after) {
    auto t = spawn_stalled_answerer();
    auto j = act::test::make_journal();
    auto a = sys_.spawn<asker>({}, t, j);
    a.tell(go{1, 1s});
    run();
    advance(999ms);
    EXPECT_EQ(*j, (std::vector<std::string>{"asking", "asked"}));
    advance(1ms);
    EXPECT_EQ(*j, (std::vector<std::string>{"asking", "asked", "failed timeout (reply 1)"}));
    advance(2min);  // the target comes back and answers: too late, not delivered
    EXPECT_EQ(j->size(), 3u);
}

TEST_F(ask, a_continuation_is_dropped_when_the_asker_restarts_first) {
    act::test::side_executor side(sys_, exec_);
    act::spawn_options o;
    o.exec = side.get();
    auto tj = act::test::make_journal();
    auto t = sys_.spawn<answerer>(o, tj);
    auto j = act::test::make_journal();
    auto a = sys_.spawn<asker>({}, t, j);
    a.tell(go{});
    run();  // asked; the target has not run
    a.tell(boom{});
    run();  // the asker failed and was restarted
    auto s = act::test::stats_of(sys_, a.id());
    ASSERT_TRUE(s);
    ASSERT_EQ(s->restarts, 1u);

    side.run();  // the target answers the old instance's question
    run();
    EXPECT_EQ(*tj, (std::vector<std::string>{"answer 21"}));
    EXPECT_EQ(*j, (std::vector<std::string>{"asking", "asked"}));

    // The new instance asks and gets its own reply.
    a.tell(go{3});
    side.settle();
    EXPECT_EQ(j->back(), "got 6 (reply 1)");
}

// ---- deferred replies (replies_later) -------------------------------------

namespace {

/// Answered from a later turn, through an act::promise.
struct deferred {
    using reply = int;
    static constexpr bool replies_later = true;
    int n;
};
struct release {};
struct ignore {
    using reply = int;
    static constexpr bool replies_later = true;
};
struct throw_later {
    using reply = int;
    static constexpr bool replies_later = true;
};
struct relay_question {
    using reply = int;
    static constexpr bool replies_later = true;
    int n;
};

/// Holds `deferred` promises until `release`; drops `ignore`'s at once;
/// answers `relay_question` by asking another actor first.
struct procrastinator : act::actor<deferred, release, ignore, throw_later, relay_question> {
    explicit procrastinator(act::ref<question> helper) : helper_(std::move(helper)) {}
    void handle(const deferred& d, act::promise<int> p) override {
        held_.push_back(std::move(p));
        values_.push_back(d.n);
    }
    void handle(const release&) override {
        for (std::size_t i = 0; i < held_.size(); ++i) held_[i].deliver(values_[i] * 10);
        held_.clear();
        values_.clear();
    }
    void handle(const ignore&, act::promise<int>) override {}
    void handle(const throw_later&, act::promise<int>) override { throw std::runtime_error("later"); }
    void handle(const relay_question& q, act::promise<int> p) override {
        ask(helper_, question{q.n}, 1s, [p = std::move(p)](act::result<int> r) mutable {
            if (r)
                p.deliver(*r + 1);
            else
                p.fail(r.error());
        });
    }
    act::ref<question> helper_;
    std::vector<act::promise<int>> held_;
    std::vector<int> values_;
};

}  // namespace

TEST_F(ask, a_deferred_reply_arrives_when_the_handler_keeps_its_promise) {
    auto t = sys_.spawn<procrastinator>({}, act::ref<question>());
    auto f = t.ask(deferred{4}, 1s);
    run();
    EXPECT_FALSE(f.ready());  // handled, not yet answered
    t.tell(release{});
    run();
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "got 40");
}

TEST_F(ask, a_deferred_reply_can_wait_on_another_ask) {
    auto helper = sys_.spawn<answerer>({});
    auto t = sys_.spawn<procrastinator>({}, helper);
    EXPECT_EQ(describe(t.ask(relay_question{20}, 1s).get()), "got 41");
}

TEST_F(ask, a_dropped_promise_fails_the_ask_with_unanswered) {
    auto t = sys_.spawn<procrastinator>({}, act::ref<question>());
    auto f = t.ask(ignore{}, 1h);
    run();
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "failed unanswered");
}

TEST_F(ask, a_deferred_reply_still_times_out) {
    auto t = sys_.spawn<procrastinator>({}, act::ref<question>());
    auto f = t.ask(deferred{1}, 1s);
    run();
    advance(1s);
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "failed timeout");
    t.tell(release{});  // the late answer changes nothing
    run();
    EXPECT_EQ(describe(f.get()), "failed timeout");
}

// The handler threw: the ask should say so, as it does for an immediate
// reply. But the promise had already left the envelope, so the envelope's
// rejection (handler_failed) reaches nobody, and the promise, destroyed
// during unwinding, answers unanswered first.
TEST_F(ask, a_deferred_handler_that_throws_fails_the_ask_with_handler_failed) {
    auto t = sys_.spawn<procrastinator>({}, act::ref<question>());
    auto f = t.ask(throw_later{}, 1h);
    run();
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(describe(f.get()), "failed handler_failed");
}

// ---- real threads -----------------------------------------------------------

TEST(ask_threads, many_plain_threads_asking_at_once_all_get_their_replies) {
    act::thread_pool pool(2);
    act::system_config cfg;
    cfg.exec = &pool;
    act::system sys(cfg);
    auto t = sys.spawn<answerer>({});

    constexpr int threads = 4;
    constexpr int per_thread = 500;
    std::atomic<int> right{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> askers;
    for (int k = 0; k < threads; ++k)
        askers.emplace_back([&, k] {
            for (int i = 0; i < per_thread; ++i) {
                const int n = k * per_thread + i;
                auto r = t.ask(question{n}, act::test::generous).get();
                (r && *r == 2 * n ? right : wrong).fetch_add(1);
            }
        });
    for (auto& th : askers) th.join();
    EXPECT_EQ(right.load(), threads * per_thread);
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_TRUE(sys.shutdown(act::test::generous));
}

// One worker thread for both actors: if an actor's ask blocked its thread,
// the target could never run and the continuation would see a timeout.
TEST(ask_threads, an_actor_awaiting_a_reply_does_not_hold_its_thread) {
    act::thread_pool pool(1);
    act::system_config cfg;
    cfg.exec = &pool;
    act::system sys(cfg);

    struct relay : act::actor<go> {
        relay(act::ref<question> target, std::shared_ptr<std::promise<std::string>> done)
            : target_(std::move(target)), done_(std::move(done)) {}
        void handle(const go& g) override {
            ask(target_, question{g.n}, g.timeout, [done = done_](act::result<int> r) { done->set_value(describe(r)); });
        }
        act::ref<question> target_;
        std::shared_ptr<std::promise<std::string>> done_;
    };

    auto done = std::make_shared<std::promise<std::string>>();
    auto outcome = done->get_future();
    auto t = sys.spawn<answerer>({});
    auto r = sys.spawn<relay>({}, t, done);
    r.tell(go{21, act::test::generous});
    ASSERT_EQ(outcome.wait_for(act::test::generous), std::future_status::ready);
    EXPECT_EQ(outcome.get(), "got 42");
    EXPECT_TRUE(sys.shutdown(act::test::generous));
}

// A handler on its own thread is busy until the test lets it go: the ask
// times out for real, and the late reply changes nothing.
TEST(ask_threads, times_out_while_the_handler_is_slow) {
    act::thread_pool pool(1);
    act::dedicated_thread slow_thread;
    act::system_config cfg;
    cfg.exec = &pool;
    act::system sys(cfg);

    struct hold {};
    struct slowpoke : act::actor<hold, question> {
        explicit slowpoke(std::shared_future<void> gate) : gate_(std::move(gate)) {}
        void handle(const hold&) override { (void)gate_.wait_for(act::test::generous); }
        int handle(const question& q) override { return q.n; }
        std::shared_future<void> gate_;
    };

    std::promise<void> open;
    act::spawn_options o;
    o.exec = &slow_thread;
    auto t = sys.spawn<slowpoke>(o, open.get_future().share());
    t.tell(hold{});
    auto f = t.ask(question{1}, 1ms);
    auto r = f.get();  // returns once the timer fires: the handler is still held
    open.set_value();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), act::errc::timeout);
    EXPECT_TRUE(sys.shutdown(act::test::generous));
}
