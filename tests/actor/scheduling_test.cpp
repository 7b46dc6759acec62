// Scheduling: a busy actor yields after its quantum, one actor never runs
// on two threads at once, and an actor runs on the executor it was bound to.

#include "fixture.hpp"
#include "support.hpp"

#include "act/thread_pool.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct item {
    int n = 0;
};

/// Writes "<name><n>" to the shared journal for each item.
struct named_worker : act::actor<item> {
    named_worker(std::string name, act::test::journal j) : name_(std::move(name)), j_(std::move(j)) {}
    void handle(const item& m) override { j_->push_back(name_ + std::to_string(m.n)); }
    std::string name_;
    act::test::journal j_;
};

using journal_t = std::vector<std::string>;

}  // namespace

// ---- quantum fairness (deterministic) -------------------------------------

class scheduling : public act::test::deterministic {
protected:
    scheduling() : deterministic(config()) {}
    static act::system_config config() {
        act::system_config c;
        c.quantum = 2;
        return c;
    }
};

TEST_F(scheduling, busy_actors_take_turns_of_one_quantum) {
    auto j = act::test::make_journal();
    auto x = sys_.spawn<named_worker>({}, std::string("x"), j);
    auto y = sys_.spawn<named_worker>({}, std::string("y"), j);
    run();
    for (int i = 1; i <= 5; ++i) x.tell(item{i});
    for (int i = 1; i <= 3; ++i) y.tell(item{i});
    run();
    EXPECT_EQ(*j, (journal_t{"x1", "x2", "y1", "y2", "x3", "x4", "y3", "x5"}));
}

TEST_F(scheduling, a_late_message_to_an_idle_actor_is_not_stuck_behind_a_backlog) {
    auto j = act::test::make_journal();
    auto busy = sys_.spawn<named_worker>({}, std::string("b"), j);
    auto idle = sys_.spawn<named_worker>({}, std::string("i"), j);
    run();
    for (int i = 1; i <= 100; ++i) busy.tell(item{i});
    idle.tell(item{1});
    run();
    ASSERT_EQ(j->size(), 101u);
    // Handled right after the busy actor's first quantum, not after all 100.
    EXPECT_EQ((*j)[2], "i1");
}

// ---- one thread at a time (real threads) ----------------------------------

namespace {

struct tagged {
    int producer;
    int seq;
};
struct total {
    using reply = int;
};

/// What the hammered actor saw; shared with the test.
struct observations {
    std::atomic<bool> inside{false};
    std::atomic<int> overlaps{0};
    act::test::countdown all_handled;
    explicit observations(std::size_t n) : all_handled(n) {}
};

/// Notices if two threads are ever in its handlers at once, and checks that
/// each producer's messages arrive in the order they were sent. Its plain
/// (non-atomic) members are safe only because it never runs twice at once;
/// ThreadSanitizer would see it otherwise.
struct hammered : act::actor<tagged, total> {
    hammered(std::shared_ptr<observations> o, int producers)
        : o_(std::move(o)), next_(static_cast<std::size_t>(producers), 0) {}
    void handle(const tagged& m) override {
        if (o_->inside.exchange(true)) o_->overlaps.fetch_add(1);
        auto& next = next_[static_cast<std::size_t>(m.producer)];
        if (m.seq != next) ++out_of_order_;
        next = m.seq + 1;
        ++count_;
        std::this_thread::yield();  // widen the window a second thread would hit
        o_->inside.store(false);
        o_->all_handled.hit();
    }
    int handle(const total&) override { return out_of_order_ == 0 ? count_ : -1; }
    std::shared_ptr<observations> o_;
    std::vector<int> next_;
    int count_ = 0;
    int out_of_order_ = 0;
};

}  // namespace

TEST(scheduling_threads, one_actor_never_runs_on_two_threads_at_once) {
    constexpr int producers = 4;
    constexpr int per_producer = 2000;
    act::thread_pool pool(2);
    act::system_config cfg;
    cfg.exec = &pool;
    act::system sys(cfg);
    auto seen = std::make_shared<observations>(std::size_t{producers * per_producer});
    act::spawn_options o;
    o.mailbox = act::mailbox_options{producers * per_producer, act::overflow_policy::report_full};
    auto target = sys.spawn<hammered>(o, seen, producers);

    std::atomic<int> refused{0};
    std::latch start(producers);
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            start.arrive_and_wait();
            for (int i = 0; i < per_producer; ++i)
                if (target.tell(tagged{p, i}) != act::send_status::ok) refused.fetch_add(1);
        });
    for (auto& t : threads) t.join();

    ASSERT_TRUE(seen->all_handled.wait());
    EXPECT_EQ(refused.load(), 0);
    EXPECT_EQ(seen->overlaps.load(), 0);
    auto n = target.ask(total{}, act::test::generous).get();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, producers * per_producer) << "-1 means a producer's messages arrived out of order";
    EXPECT_TRUE(sys.shutdown(act::test::generous));
}

// ---- binding to an executor ---------------------------------------------

namespace {

struct where {
    using reply = std::thread::id;
};
struct threads_seen {
    using reply = std::size_t;
};

/// Remembers every thread it ran on.
struct thread_spotter : act::actor<item, where, threads_seen> {
    void handle(const item&) override { ids_.insert(std::this_thread::get_id()); }
    std::thread::id handle(const where&) override {
        ids_.insert(std::this_thread::get_id());
        return std::this_thread::get_id();
    }
    std::size_t handle(const threads_seen&) override { return ids_.size(); }
    std::set<std::thread::id> ids_;
};

}  // namespace

TEST(scheduling_threads, an_actor_on_a_dedicated_thread_always_runs_on_that_one_thread) {
    act::thread_pool pool(2);
    act::dedicated_thread own;
    act::system_config cfg;
    cfg.exec = &pool;
    act::system sys(cfg);
    act::spawn_options o;
    o.exec = &own;
    auto loner = sys.spawn<thread_spotter>(o);
    auto pooled = sys.spawn<thread_spotter>({});

    std::vector<std::thread> senders;
    for (int k = 0; k < 2; ++k)
        senders.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                loner.tell(item{i});
                pooled.tell(item{i});
            }
        });
    for (auto& t : senders) t.join();

    auto seen = loner.ask(threads_seen{}, act::test::generous).get();
    ASSERT_TRUE(seen);
    EXPECT_EQ(*seen, 1u);
    auto loner_thread = loner.ask(where{}, act::test::generous).get();
    ASSERT_TRUE(loner_thread);
    EXPECT_NE(*loner_thread, std::this_thread::get_id());
    // None of the pool's threads is the dedicated one.
    for (int i = 0; i < 50; ++i) {
        auto pool_thread = pooled.ask(where{}, act::test::generous).get();
        ASSERT_TRUE(pool_thread);
        EXPECT_NE(*pool_thread, *loner_thread);
    }
    EXPECT_TRUE(sys.shutdown(act::test::generous));
}

using binding = act::test::deterministic;

TEST_F(binding, an_actor_runs_on_the_executor_named_at_spawn_not_the_systems) {
    act::test::side_executor side(sys_, exec_);
    auto j = act::test::make_journal();
    act::spawn_options o;
    o.exec = side.get();
    auto r = sys_.spawn<named_worker>(o, std::string("s"), j);
    EXPECT_EQ(&r.raw()->exec(), side.get());
    r.tell(item{1});
    run();  // the system's executor: not this actor's
    EXPECT_TRUE(j->empty());
    side.run();
    EXPECT_EQ(*j, (journal_t{"s1"}));
}
