// Shutdown: the order in which actors stop, what happens to a child that
// does not stop in time, to queued asks and messages, and that nothing is
// left behind, on the deterministic executor and on real threads.

#include "fixture.hpp"

#include "act/thread_pool.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using act::test::journal;
using act::test::make_journal;

/// Long enough for any machine under sanitizers; a test that waits this
/// long has failed anyway.
constexpr auto generous = std::chrono::seconds(30);

/// Counts its live copies: a message that leaks keeps the count up.
struct payload {
    static inline std::atomic<int> live{0};
    payload() { ++live; }
    payload(const payload&) { ++live; }
    payload& operator=(const payload&) = default;
    ~payload() { --live; }
};

struct work {
    payload p;
};
struct query {
    using reply = int;
    payload p;
};
struct later {};  // arms a timer that holds a payload
struct crash {};

/// Counts its live instances and the messages it handled; keeps every
/// payload it received; writes "<name>" to the journal when it stops.
class keeper final : public act::actor<work, query, later, crash> {
public:
    static inline std::atomic<int> live{0};

    keeper(std::string name, journal j, std::shared_ptr<int> handled)
        : name_(std::move(name)), j_(std::move(j)), handled_(std::move(handled)) {
        ++live;
    }
    ~keeper() override { --live; }

    void on_stop() override { j_->push_back(name_); }
    void handle(const work& w) override {
        ++*handled_;
        kept_.push_back(w.p);
    }
    int handle(const query& q) override {
        ++*handled_;
        kept_.push_back(q.p);
        return static_cast<int>(kept_.size());
    }
    void handle(const later&) override { send_after(1h, work{}); }
    void handle(const crash&) override { throw std::runtime_error("crash"); }

private:
    std::string name_;
    journal j_;
    std::shared_ptr<int> handled_;
    std::vector<payload> kept_;
};
using keeper_ref = keeper::ref_type;

class shutdown : public act::test::deterministic {
protected:
    explicit shutdown(act::system_config cfg = {}) : deterministic(std::move(cfg)) {}

    journal stops_ = make_journal();
    std::shared_ptr<int> handled_ = std::make_shared<int>(0);

    keeper_ref spawn_keeper(const std::string& name, act::supervisor_ref parent = {}, act::executor* exec = nullptr) {
        act::spawn_options o;
        o.parent = std::move(parent);
        o.exec = exec;
        return sys_.spawn<keeper>(o, name, stops_, handled_);
    }

    /// Runs at most n queued turns.
    void run_some(int n) {
        for (int i = 0; i < n && exec_.run_one(); ++i) {
        }
    }

    void SetUp() override {
        ASSERT_EQ(payload::live, 0);
        ASSERT_EQ(keeper::live, 0);
    }
};
using names = std::vector<std::string>;

// ---- order ------------------------------------------------------------------------

/// Writes, when it stops, which of the watched supervisors are still
/// running ("+") or already terminated ("-").
class leaf final : public act::actor<work> {
public:
    leaf(std::string name, journal j, act::supervisor_ref a, act::supervisor_ref b)
        : name_(std::move(name)), j_(std::move(j)), a_(std::move(a)), b_(std::move(b)) {}
    void handle(const work&) override {}
    void on_stop() override {
        j_->push_back(name_ + " A" + (a_.terminated() ? "-" : "+") + " B" + (b_.terminated() ? "-" : "+"));
    }

private:
    std::string name_;
    journal j_;
    act::supervisor_ref a_, b_;
};

TEST_F(shutdown, children_stop_before_their_parents_in_reverse_start_order) {
    auto a = sys_.spawn_supervisor({}, {});
    auto b = sys_.spawn_supervisor({}, {});
    auto spawn_leaf = [&](const char* name, const act::supervisor_ref& parent) {
        act::spawn_options o;
        o.parent = parent;
        sys_.spawn<leaf>(o, std::string(name), stops_, a, b);
    };
    spawn_leaf("a1", a);
    spawn_leaf("a2", a);
    spawn_leaf("b1", b);
    run();
    ASSERT_TRUE(sys_.shutdown());
    // B started after A, so B's subtree goes first; within A, a2 before a1;
    // each leaf stops while its own supervisor still runs.
    EXPECT_EQ(*stops_, (names{"b1 A+ B+", "a2 A+ B-", "a1 A+ B-"}));
    EXPECT_TRUE(a.terminated());
    EXPECT_TRUE(b.terminated());
    EXPECT_TRUE(sys_.root().terminated());
    EXPECT_EQ(sys_.live_actors(), 0u);
}

TEST_F(shutdown, children_that_left_first_middle_and_last_are_skipped_and_the_rest_stop_in_reverse_order) {
    // The supervisor links its children through their cells: children that
    // leave from any place must leave the others in order, and be freed.
    auto sup = sys_.spawn_supervisor({}, {});
    std::vector<keeper_ref> kids;
    for (const char* name : {"k1", "k2", "k3", "k4", "k5", "k6"}) kids.push_back(spawn_keeper(name, sup));
    run();
    // Each child's cell and instance hold `handled_`: the count tells how
    // many cells are still allocated.
    const long per_child = (handled_.use_count() - 1) / 6;
    ASSERT_GT(per_child, 0);
    for (std::size_t i : {0U, 2U, 5U}) {
        sys_.stop(kids[i]);
        kids[i] = keeper_ref();
    }
    run();
    EXPECT_EQ(*stops_, (names{"k1", "k3", "k6"}));
    EXPECT_EQ(keeper::live, 3);
    EXPECT_EQ(handled_.use_count(), 1 + 3 * per_child);  // the supervisor let go of the three
    spawn_keeper("k7", sup);
    run();
    // A child left in the list by mistake would be stopped again, time out
    // and be killed: the same order, but only after the stop timeout.
    const auto before = exec_.now();
    ASSERT_TRUE(sys_.shutdown());
    EXPECT_EQ(exec_.now(), before);
    EXPECT_EQ(*stops_, (names{"k1", "k3", "k6", "k7", "k5", "k4", "k2"}));
    EXPECT_EQ(keeper::live, 0);
    EXPECT_EQ(sys_.live_actors(), 0u);
    kids.clear();
    EXPECT_EQ(handled_.use_count(), 1);
}

TEST_F(shutdown, a_second_shutdown_has_nothing_left_to_do) {
    spawn_keeper("k");
    run();
    ASSERT_TRUE(sys_.shutdown());
    EXPECT_TRUE(sys_.shutdown());
    EXPECT_EQ(*stops_, (names{"k"}));
}

TEST_F(shutdown, a_child_waiting_out_its_restart_backoff_does_not_hold_up_shutdown) {
    act::supervisor_options so;
    so.backoff = act::backoff_options{.min = 1h, .max = 1h, .jitter = 0.0};
    auto sup = sys_.spawn_supervisor({}, so);
    auto k = spawn_keeper("k", sup);
    k.tell(crash{});
    run();  // it failed; its restart is an hour away
    ASSERT_EQ(keeper::live, 1);
    sys_.request_shutdown();
    run();  // no time passes
    EXPECT_EQ(sys_.live_actors(), 0u);
    EXPECT_TRUE(k.terminated());
    EXPECT_EQ(keeper::live, 0);
}

// ---- a child that does not stop in time ----------------------------------------------

/// Actors spawned on side_ only run when the test runs side_: one that
/// cannot answer its supervisor's stop request in time.
class stuck_child : public shutdown {
protected:
    ~stuck_child() override {
        // If the test bailed out early, finish here so no cell outlives side_.
        sys_.request_shutdown();
        for (int i = 0; i < 100 && sys_.live_actors() > 0; ++i) {
            side_.run();
            advance(1s);
        }
    }
    act::manual_executor side_;
};

TEST_F(stuck_child, a_child_that_does_not_stop_in_time_is_given_up_on_and_shutdown_goes_on) {
    act::supervisor_options so;
    so.child_stop_timeout = 1s;
    auto sup = sys_.spawn_supervisor({}, so);
    auto first = spawn_keeper("first", sup);           // started first, stopped last
    auto stuck = spawn_keeper("stuck", sup, &side_);  // stopped first, but never gets a turn
    run();
    side_.run();
    sys_.request_shutdown();
    run();
    EXPECT_TRUE(stops_->empty()) << "first waits while stuck is asked to stop";
    advance(999ms);
    EXPECT_TRUE(stops_->empty());
    advance(1ms);
    EXPECT_EQ(*stops_, (names{"first"})) << "after child_stop_timeout the supervisor moves on";
    EXPECT_TRUE(sup.terminated());
    EXPECT_TRUE(sys_.root().terminated());
    EXPECT_FALSE(stuck.terminated()) << "it has not had a turn yet";
    side_.run();  // its next turn ends it, whatever it had queued
    EXPECT_TRUE(stuck.terminated());
    EXPECT_EQ(sys_.live_actors(), 0u);
}

/// Blocks its thread until the test lets it go.
struct block {
    std::shared_future<void> until;
    std::shared_ptr<std::promise<void>> entered;
};
class blocker final : public act::actor<block> {
public:
    void handle(const block& b) override {
        b.entered->set_value();
        b.until.wait();
    }
};

/// Says when it stops.
class sentinel final : public act::actor<work> {
public:
    explicit sentinel(std::shared_ptr<std::promise<void>> stopped) : stopped_(std::move(stopped)) {}
    void handle(const work&) override {}
    void on_stop() override { stopped_->set_value(); }

private:
    std::shared_ptr<std::promise<void>> stopped_;
};

/// Lets a blocked handler go at scope exit at the latest, so a failed
/// assertion does not leave a pool thread blocked forever.
struct release_guard {
    std::promise<void> p;
    bool done = false;
    void release() {
        if (!std::exchange(done, true)) p.set_value();
    }
    ~release_guard() { release(); }
};

TEST(shutdown_on_threads, a_blocked_handler_is_given_up_on_and_the_rest_of_the_shutdown_goes_on) {
    act::thread_pool pool(2);
    act::system_config cfg;
    cfg.exec = &pool;
    cfg.root.child_stop_timeout = 20ms;
    act::system sys(cfg);
    release_guard gate;

    auto sentinel_stopped = std::make_shared<std::promise<void>>();
    auto sentinel_done = sentinel_stopped->get_future();
    sys.spawn<sentinel>({}, sentinel_stopped);  // started first, stopped last
    auto b = sys.spawn<blocker>({});
    auto entered = std::make_shared<std::promise<void>>();
    auto in_handler = entered->get_future();
    b.tell(block{gate.p.get_future().share(), entered});
    ASSERT_EQ(in_handler.wait_for(generous), std::future_status::ready);

    sys.request_shutdown();
    ASSERT_EQ(sentinel_done.wait_for(generous), std::future_status::ready)
        << "the blocked child held up the shutdown";
    EXPECT_FALSE(b.terminated()) << "its handler is still running";
    gate.release();
    EXPECT_TRUE(sys.await_shutdown(generous));
    EXPECT_TRUE(b.terminated());
    EXPECT_EQ(sys.live_actors(), 0u);
}

// ---- queued work ----------------------------------------------------------------------

/// One message per turn, so that a shutdown overtakes a busy actor's queue.
class busy_shutdown : public shutdown {
protected:
    busy_shutdown() : shutdown(config()) {}
    static act::system_config config() {
        act::system_config cfg;
        cfg.quantum = 1;
        return cfg;
    }
};

TEST_F(busy_shutdown, asks_still_queued_fail_with_shutdown) {
    auto k = spawn_keeper("k");
    run();
    k.tell(work{});
    k.tell(work{});
    auto f1 = k.ask(query{}, 1h);
    auto f2 = k.ask(query{}, 1h);
    sys_.request_shutdown();
    run();
    ASSERT_LT(*handled_, 4) << "the shutdown came too late to find queued asks";
    ASSERT_TRUE(f1.ready());
    ASSERT_TRUE(f2.ready());
    auto r1 = f1.get();
    auto r2 = f2.get();
    ASSERT_FALSE(r1.has_value());
    ASSERT_FALSE(r2.has_value());
    EXPECT_EQ(r1.error(), act::errc::shutdown);
    EXPECT_EQ(r2.error(), act::errc::shutdown);
}

TEST_F(shutdown, after_shutdown_no_handler_runs_and_messages_are_dead_letters) {
    auto k = spawn_keeper("k");
    run();
    ASSERT_TRUE(sys_.shutdown());
    const auto dead_before = sys_.dead_letters();
    EXPECT_EQ(k.tell(work{}), act::send_status::dead);
    EXPECT_EQ(sys_.dead_letters(), dead_before + 1);
    auto f = k.ask(query{}, 1s);
    run();
    ASSERT_TRUE(f.ready());
    auto r = f.get();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), act::errc::shutdown);
    EXPECT_EQ(*handled_, 0);
    EXPECT_EQ(payload::live, 0);
}

TEST_F(shutdown, spawning_after_shutdown_is_refused) {
    ASSERT_TRUE(sys_.shutdown());
    EXPECT_THROW(spawn_keeper("late"), std::invalid_argument);
    EXPECT_THROW(sys_.spawn_supervisor({}, {}), std::invalid_argument);
    EXPECT_EQ(keeper::live, 0);
}

TEST_F(busy_shutdown, no_message_or_instance_outlives_the_shutdown) {
    {
        auto sup = sys_.spawn_supervisor({}, {});
        std::vector<keeper_ref> keepers{spawn_keeper("k1"), spawn_keeper("k2", sup), spawn_keeper("k3", sup)};
        run();
        std::vector<act::ask_future<int>> asks;
        for (auto& k : keepers) {
            k.tell(later{});  // a timer holding a payload, due in an hour
            for (int i = 0; i < 5; ++i) k.tell(work{});
            asks.push_back(k.ask(query{}, 1h));
        }
        run_some(4);  // some handled and kept in state, the rest queued
        ASSERT_GT(payload::live, 0);
        sys_.request_shutdown();
        ASSERT_TRUE(sys_.await_shutdown(1s));
        ASSERT_LT(*handled_, 18) << "the shutdown came too late to find queued messages";
        EXPECT_EQ(payload::live, 0) << "queued, kept or timed messages survived the shutdown";
        EXPECT_EQ(keeper::live, 0);
        for (auto& a : asks) EXPECT_TRUE(a.ready());
    }
    EXPECT_EQ(payload::live, 0);
    EXPECT_EQ(keeper::live, 0);
}

// ---- real threads -------------------------------------------------------------------

struct ball {
    payload p;
};
struct meet {
    act::ref<ball> partner;
};

/// Sends every ball back to its partner; says when the rally is well under way.
class player final : public act::actor<ball, meet> {
public:
    static inline std::atomic<int> live{0};

    player(std::shared_ptr<std::atomic<int>> hits, std::shared_ptr<std::promise<void>> busy)
        : hits_(std::move(hits)), busy_(std::move(busy)) {
        ++live;
    }
    ~player() override { --live; }

    void handle(const meet& m) override { partner_ = m.partner; }
    void handle(const ball& b) override {
        partner_.tell(ball{b});
        if (hits_->fetch_add(1) + 1 == 20000) busy_->set_value();
    }

private:
    std::shared_ptr<std::atomic<int>> hits_;
    std::shared_ptr<std::promise<void>> busy_;
    act::ref<ball> partner_;
};

TEST(shutdown_on_threads, completes_while_actors_are_busy_exchanging_messages) {
    ASSERT_EQ(payload::live, 0);
    {
        act::thread_pool pool(2);
        act::system_config cfg;
        cfg.exec = &pool;
        act::system sys(cfg);

        auto hits = std::make_shared<std::atomic<int>>(0);
        auto busy = std::make_shared<std::promise<void>>();
        auto rally = busy->get_future();
        for (int pair = 0; pair < 4; ++pair) {
            auto a = sys.spawn<player>({}, hits, busy);
            auto b = sys.spawn<player>({}, hits, busy);
            a.tell(meet{b});
            b.tell(meet{a});
            for (int i = 0; i < 8; ++i) a.tell(ball{});
        }
        ASSERT_EQ(rally.wait_for(generous), std::future_status::ready);
        EXPECT_TRUE(sys.shutdown(generous));
        EXPECT_EQ(sys.live_actors(), 0u);
        EXPECT_EQ(player::live, 0);
    }
    EXPECT_EQ(payload::live, 0);
}

TEST(shutdown_on_threads, destroying_the_system_shuts_it_down) {
    auto stopped = std::make_shared<std::promise<void>>();
    auto done = stopped->get_future();
    {
        act::thread_pool pool(2);
        act::system_config cfg;
        cfg.exec = &pool;
        act::system sys(cfg);
        sys.spawn<sentinel>({}, stopped);
    }
    EXPECT_EQ(done.wait_for(0s), std::future_status::ready);
}

}  // namespace
