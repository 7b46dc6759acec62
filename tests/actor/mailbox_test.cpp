// The mailbox: its lock-free queue, its bound and overflow policies as a
// sender sees them through a real actor, and the system lane that a full
// user lane never blocks.

#include "fixture.hpp"
#include "support.hpp"

#include "act/mpsc_queue.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using act::overflow_policy;
using act::send_status;

namespace {

struct node : act::mpsc_node {
    int producer = 0;
    int seq = 0;
};

struct item {
    int n;
};
struct echo {
    using reply = int;
    int n;
};

/// Writes every message it handles to the journal.
struct recorder : act::actor<item, echo> {
    explicit recorder(act::test::journal j) : j_(std::move(j)) {}
    void on_start() override { j_->push_back("start"); }
    void handle(const item& m) override { j_->push_back("item " + std::to_string(m.n)); }
    int handle(const echo& m) override {
        j_->push_back("echo " + std::to_string(m.n));
        return m.n;
    }
    act::test::journal j_;
};

/// Monitors `target` and notes its down notice.
struct watcher : act::actor<item> {
    watcher(act::ref<item, echo> target, act::test::journal j) : target_(std::move(target)), j_(std::move(j)) {}
    void on_start() override { monitor(target_); }
    void handle(const item& m) override { j_->push_back("item " + std::to_string(m.n)); }
    void on_down(const act::down_notice& d) override {
        j_->push_back(d.id == target_.id() ? "down" : "down from a stranger");
    }
    act::ref<item, echo> target_;
    act::test::journal j_;
};

struct go {};
/// On go, asks `target` and notes the reply.
struct asker : act::actor<go, item> {
    asker(act::ref<item, echo> target, act::test::journal j) : target_(std::move(target)), j_(std::move(j)) {}
    void handle(const go&) override {
        ask(target_, echo{7}, 1s, [j = j_](act::result<int> r) {
            j->push_back(r ? "got " + std::to_string(*r) : "failed");
        });
    }
    void handle(const item& m) override { j_->push_back("item " + std::to_string(m.n)); }
    act::ref<item, echo> target_;
    act::test::journal j_;
};

act::spawn_options bounded(std::size_t capacity, overflow_policy policy) {
    act::spawn_options o;
    o.mailbox = act::mailbox_options{capacity, policy};
    return o;
}

using journal_t = std::vector<std::string>;

}  // namespace

// ---- the queue on its own --------------------------------------------------

TEST(mpsc_queue, is_empty_until_something_is_pushed) {
    act::mpsc_queue q;
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.pop(), nullptr);
    node n;
    q.push(&n);
    EXPECT_FALSE(q.empty());
    EXPECT_EQ(q.pop(), &n);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.pop(), nullptr);
}

TEST(mpsc_queue, pops_in_push_order) {
    act::mpsc_queue q;
    std::vector<node> nodes(100);
    for (int round = 0; round < 2; ++round) {  // the second round reuses the drained queue
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            nodes[i].seq = static_cast<int>(i);
            q.push(&nodes[i]);
        }
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            auto* n = static_cast<node*>(q.pop());
            ASSERT_NE(n, nullptr);
            EXPECT_EQ(n->seq, static_cast<int>(i));
        }
        EXPECT_TRUE(q.empty());
    }
}

TEST(mpsc_queue, delivers_each_node_once_in_each_producers_order) {
    constexpr int producers = 4;
    constexpr int per_producer = 20000;
    act::mpsc_queue q;
    std::vector<node> nodes(static_cast<std::size_t>(producers * per_producer));
    std::atomic<int> finished{0};
    std::latch start(producers + 1);
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            start.arrive_and_wait();
            for (int i = 0; i < per_producer; ++i) {
                node& n = nodes[static_cast<std::size_t>(p * per_producer + i)];
                n.producer = p;
                n.seq = i;
                q.push(&n);
            }
            finished.fetch_add(1);
        });

    // The single consumer, running while the producers push.
    std::vector<int> next(producers, 0);
    std::vector<std::vector<int>> seen(producers, std::vector<int>(per_producer, 0));
    int popped = 0;
    int out_of_order = 0;
    start.arrive_and_wait();
    for (;;) {
        auto* n = static_cast<node*>(q.pop());
        if (n == nullptr) {
            // Either empty, or a producer is between its two steps.
            if (finished.load() == producers && q.empty()) break;
            std::this_thread::yield();
            continue;
        }
        ++popped;
        auto p = static_cast<std::size_t>(n->producer);
        ++seen[p][static_cast<std::size_t>(n->seq)];
        if (n->seq != next[p]) ++out_of_order;
        next[p] = n->seq + 1;
    }
    for (auto& t : threads) t.join();

    EXPECT_EQ(popped, producers * per_producer);
    EXPECT_EQ(out_of_order, 0);
    for (int p = 0; p < producers; ++p)
        for (int i = 0; i < per_producer; ++i)
            ASSERT_EQ(seen[static_cast<std::size_t>(p)][static_cast<std::size_t>(i)], 1)
                << "producer " << p << " node " << i;
}

// ---- bounded mailboxes through a real actor -----------------------------

using mailbox = act::test::deterministic;

TEST_F(mailbox, report_full_refuses_a_tell_beyond_capacity) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(2, overflow_policy::report_full), j);
    EXPECT_EQ(r.tell(item{1}), send_status::ok);
    EXPECT_EQ(r.tell(item{2}), send_status::ok);
    EXPECT_EQ(r.tell(item{3}), send_status::full);
    run();
    EXPECT_EQ(*j, (journal_t{"start", "item 1", "item 2"}));
    // Room again once the actor has caught up.
    EXPECT_EQ(r.tell(item{4}), send_status::ok);
    run();
    EXPECT_EQ(j->back(), "item 4");
}

TEST_F(mailbox, report_full_fails_an_ask_at_once_with_mailbox_full) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(1, overflow_policy::report_full), j);
    EXPECT_EQ(r.tell(item{1}), send_status::ok);
    auto refused = r.ask(echo{2}, 1s);
    ASSERT_TRUE(refused.ready());  // nothing ran, no time passed
    auto res = refused.get();
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error(), act::errc::mailbox_full);
    run();
    EXPECT_EQ(*j, (journal_t{"start", "item 1"}));
}

TEST_F(mailbox, drop_newest_discards_the_new_message_and_keeps_the_old) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(2, overflow_policy::drop_newest), j);
    EXPECT_EQ(r.tell(item{1}), send_status::ok);
    EXPECT_EQ(r.tell(item{2}), send_status::ok);
    EXPECT_EQ(r.tell(item{3}), send_status::dropped);
    auto refused = r.ask(echo{4}, 1s);
    ASSERT_TRUE(refused.ready());
    EXPECT_EQ(refused.get().error(), act::errc::mailbox_full);
    run();
    EXPECT_EQ(*j, (journal_t{"start", "item 1", "item 2"}));
    auto s = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->dropped, 2u);
    EXPECT_EQ(sys_.snapshot().dropped, 2u);
}

TEST_F(mailbox, drop_oldest_keeps_the_newest_and_counts_what_it_discards) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(2, overflow_policy::drop_oldest), j);
    for (int i = 1; i <= 4; ++i) EXPECT_EQ(r.tell(item{i}), send_status::ok) << i;
    run();
    EXPECT_EQ(*j, (journal_t{"start", "item 3", "item 4"}));
    auto s = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->dropped, 2u);
    EXPECT_EQ(s->handled, 2u);
}

TEST_F(mailbox, drop_oldest_fails_a_discarded_ask_with_mailbox_full) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(2, overflow_policy::drop_oldest), j);
    auto oldest = r.ask(echo{1}, 1s);
    EXPECT_EQ(r.tell(item{2}), send_status::ok);
    EXPECT_EQ(r.tell(item{3}), send_status::ok);
    EXPECT_FALSE(oldest.ready());  // taken: discarded only when the actor next runs
    run();
    ASSERT_TRUE(oldest.ready());
    auto res = oldest.get();
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error(), act::errc::mailbox_full);
    EXPECT_EQ(*j, (journal_t{"start", "item 2", "item 3"}));
}

TEST_F(mailbox, drop_oldest_refuses_at_twice_capacity) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(2, overflow_policy::drop_oldest), j);
    for (int i = 1; i <= 4; ++i) EXPECT_EQ(r.tell(item{i}), send_status::ok) << i;
    EXPECT_EQ(r.tell(item{5}), send_status::dropped);
    run();
    EXPECT_EQ(*j, (journal_t{"start", "item 3", "item 4"}));
    auto s = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->dropped, 3u);
}

TEST_F(mailbox, fail_actor_fails_the_actor_and_its_supervisor_restarts_it) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(1, overflow_policy::fail_actor), j);
    EXPECT_EQ(r.tell(item{1}), send_status::ok);
    EXPECT_EQ(r.tell(item{2}), send_status::dropped);
    run();
    auto s = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->restarts, 1u);
    EXPECT_EQ(s->dropped, 1u);
    EXPECT_FALSE(r.terminated());
    // A fresh instance (a second start) handles what fit; the refused one is gone.
    EXPECT_EQ(*j, (journal_t{"start", "start", "item 1"}));
}

TEST_F(mailbox, a_stop_reaches_an_actor_whose_user_lane_is_full) {
    auto j = act::test::make_journal();
    auto r = sys_.spawn<recorder>(bounded(1, overflow_policy::report_full), j);
    run();
    EXPECT_EQ(r.tell(item{1}), send_status::ok);
    EXPECT_EQ(r.tell(item{2}), send_status::full);
    sys_.stop(r);
    run();
    EXPECT_TRUE(r.terminated());
    // The stop went ahead of the queued message, which became a dead letter.
    EXPECT_EQ(*j, (journal_t{"start"}));
    EXPECT_EQ(sys_.dead_letters(), 1u);
}

TEST_F(mailbox, a_down_notice_reaches_a_watcher_whose_user_lane_is_full) {
    act::test::side_executor side(sys_, exec_);
    auto j = act::test::make_journal();
    auto target = sys_.spawn<recorder>({}, act::test::make_journal());
    auto o = bounded(1, overflow_policy::report_full);
    o.exec = side.get();
    auto w = sys_.spawn<watcher>(o, target, j);
    side.settle();  // the watcher is up and its monitor registered

    EXPECT_EQ(w.tell(item{1}), send_status::ok);
    EXPECT_EQ(w.tell(item{2}), send_status::full);
    sys_.stop(target);
    run();  // the target terminates; the watcher has not run yet
    auto s = act::test::stats_of(sys_, w.id());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->mailbox_depth, 1u);  // the notice is queued, but outside the bound

    side.run();
    EXPECT_EQ(*j, (journal_t{"item 1", "down"}));  // in the order they arrived
}

// A down notice is a runtime message in the user lane; drop_oldest must not
// mistake it for an old user message and discard it.
TEST_F(mailbox, drop_oldest_never_discards_a_down_notice) {
    act::test::side_executor side(sys_, exec_);
    auto j = act::test::make_journal();
    auto target = sys_.spawn<recorder>({}, act::test::make_journal());
    auto o = bounded(1, overflow_policy::drop_oldest);
    o.exec = side.get();
    auto w = sys_.spawn<watcher>(o, target, j);
    side.settle();

    sys_.stop(target);
    run();  // the notice is queued at the watcher, oldest in its user lane
    EXPECT_EQ(w.tell(item{1}), send_status::ok);
    side.run();
    EXPECT_EQ(*j, (journal_t{"down", "item 1"}));
}

// Same for an ask's continuation: the asker must learn its ask's outcome.
TEST_F(mailbox, drop_oldest_never_discards_an_ask_continuation) {
    act::test::side_executor side(sys_, exec_);
    auto j = act::test::make_journal();
    act::spawn_options slow;
    slow.exec = side.get();
    auto target = sys_.spawn<recorder>(slow, act::test::make_journal());
    auto a = sys_.spawn<asker>(bounded(1, overflow_policy::drop_oldest), target, j);
    a.tell(go{});
    run();     // the asker asked
    side.run();  // the target replied: the continuation waits in the asker's mailbox
    EXPECT_EQ(a.tell(item{1}), send_status::ok);
    run();
    EXPECT_EQ(*j, (journal_t{"got 7", "item 1"}));
}

TEST_F(mailbox, depth_is_visible_in_the_snapshot_and_the_cell) {
    auto r = sys_.spawn<recorder>({}, act::test::make_journal());
    run();
    for (int i = 0; i < 3; ++i) r.tell(item{i});
    EXPECT_EQ(r.raw()->mailbox_depth(), 3u);
    auto before = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(before);
    EXPECT_EQ(before->mailbox_depth, 3u);
    run();
    EXPECT_EQ(r.raw()->mailbox_depth(), 0u);
    auto after = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(after);
    EXPECT_EQ(after->mailbox_depth, 0u);
    EXPECT_EQ(after->handled, 3u);
}

namespace {

/// Notes, for each item, how many user messages wait behind it.
struct waiting_counter : act::actor<item> {
    explicit waiting_counter(act::test::journal j) : j_(std::move(j)) {}
    void handle(const item& m) override {
        j_->push_back("item " + std::to_string(m.n) + " before " + std::to_string(self_cell().mailbox_waiting()));
    }
    act::test::journal j_;
};

}  // namespace

// What lets an actor act as soon as it runs out of messages (the storage
// writer commits then), without counting the one it is handling.
TEST_F(mailbox, the_cell_tells_a_handler_how_many_messages_wait_behind_it) {
    auto j = act::test::make_journal();
    auto a = sys_.spawn<waiting_counter>({}, j);
    run();
    for (int i = 0; i < 3; ++i) a.tell(item{i});
    run();
    a.tell(item{3});
    run();
    EXPECT_EQ(*j, (journal_t{"item 0 before 2", "item 1 before 1", "item 2 before 0", "item 3 before 0"}));
}
