// The name registry: spawn with a name, look it up with a typed ref, and the
// name's life: unique while the actor lives, free once it has terminated.

#include "fixture.hpp"
#include "support.hpp"

#include "act/thread_pool.hpp"

#include <chrono>
#include <memory>
#include <semaphore>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {

struct post {
    std::string text;
};
struct count {
    using reply = int;
};
struct quit {};
struct boom {};
struct unrelated {};

/// Counts posts; quits on request (a normal stop of its own); boom throws.
struct room : act::actor<post, count, quit, boom> {
    void handle(const post&) override { ++posts_; }
    int handle(const count&) override { return posts_; }
    void handle(const quit&) override { stop(); }
    void handle(const boom&) override { throw std::runtime_error("boom"); }
    int posts_ = 0;
};

act::spawn_options named(std::string name) {
    act::spawn_options o;
    o.name = std::move(name);
    return o;
}

}  // namespace

using registry = act::test::deterministic;

TEST_F(registry, lookup_finds_an_actor_by_its_name) {
    auto r = sys_.spawn<room>(named("lobby"));
    auto found = sys_.lookup<act::ref<post, count>>("lobby");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id(), r.id());
    found->tell(post{"hi"});
    auto n = r.ask(count{}, 1s).get();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1);
}

TEST_F(registry, lookup_of_an_unknown_name_is_empty) {
    sys_.spawn<room>(named("lobby"));
    EXPECT_FALSE(sys_.lookup<act::ref<post>>("kitchen"));
    EXPECT_FALSE(sys_.lookup<act::ref<post>>(""));
}

TEST_F(registry, lookup_with_a_message_the_actor_does_not_handle_is_empty) {
    sys_.spawn<room>(named("lobby"));
    EXPECT_FALSE(sys_.lookup<act::ref<unrelated>>("lobby"));
    EXPECT_FALSE((sys_.lookup<act::ref<post, unrelated>>("lobby")));
    EXPECT_TRUE(sys_.lookup<act::ref<count>>("lobby"));
}

TEST_F(registry, a_taken_name_cannot_be_spawned_again) {
    auto first = sys_.spawn<room>(named("lobby"));
    const auto live = sys_.live_actors();
    EXPECT_THROW(sys_.spawn<room>(named("lobby")), std::invalid_argument);
    EXPECT_EQ(sys_.live_actors(), live);
    auto found = sys_.lookup<act::ref<post>>("lobby");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id(), first.id());
}

TEST_F(registry, the_name_is_freed_when_the_actor_terminates) {
    auto first = sys_.spawn<room>(named("lobby"));
    run();
    sys_.stop(first);
    run();
    ASSERT_TRUE(first.terminated());
    EXPECT_FALSE(sys_.lookup<act::ref<post>>("lobby"));

    auto second = sys_.spawn<room>(named("lobby"));
    auto found = sys_.lookup<act::ref<post>>("lobby");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id(), second.id());
    EXPECT_NE(second.id(), first.id());
}

TEST_F(registry, the_name_stays_with_the_actor_through_a_restart) {
    auto r = sys_.spawn<room>(named("lobby"));
    r.tell(boom{});
    run();
    auto s = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(s);
    ASSERT_EQ(s->restarts, 1u);
    EXPECT_EQ(s->name, "lobby");
    auto found = sys_.lookup<act::ref<post>>("lobby");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id(), r.id());
}

// A permanent child that stops by itself is respawned by its supervisor as
// a new actor; the name follows the new one.
TEST_F(registry, a_respawned_actor_is_found_under_its_name) {
    auto first = sys_.spawn<room>(named("lobby"));
    run();
    first.tell(quit{});
    run();
    ASSERT_TRUE(first.terminated());
    auto found = sys_.lookup<act::ref<post, count>>("lobby");
    ASSERT_TRUE(found);
    EXPECT_NE(found->id(), first.id());
    EXPECT_FALSE(found->terminated());
    found->tell(post{"again"});
    auto n = found->ask(count{}, 1s).get();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 1);
}

// ---- real threads -----------------------------------------------------------

namespace {

/// Signals each start, so the test knows a fresh incarnation is registered.
struct phoenix : act::actor<quit> {
    explicit phoenix(std::shared_ptr<std::counting_semaphore<>> started) : started_(std::move(started)) {}
    void on_start() override { started_->release(); }
    void handle(const quit&) override { stop(); }
    std::shared_ptr<std::counting_semaphore<>> started_;
};

}  // namespace

// The respawn of a permanent named actor must find its name free. On real
// threads the supervisor can run the respawn before the old cell has
// released the name (cell::terminate_now tells the parent before
// system::cell_terminated), and make_cell's std::invalid_argument escapes
// the supervisor's turn: std::terminate. Enabled, this aborts within a few
// rounds; it runs to the end once the order is fixed.
TEST(registry_threads, a_named_actor_that_keeps_stopping_itself_is_respawned_each_time) {
    act::thread_pool pool(2);
    act::dedicated_thread own;  // the child's turns on their own thread, its parent's on the pool
    act::system_config cfg;
    cfg.exec = &pool;
    cfg.root.max_restarts = 1000000;
    act::system sys(cfg);
    auto started = std::make_shared<std::counting_semaphore<>>(0);
    act::spawn_options o = named("lobby");
    o.exec = &own;
    sys.spawn<phoenix>(o, started);
    for (int round = 0; round < 300; ++round) {
        ASSERT_TRUE(started->try_acquire_for(act::test::generous)) << "round " << round;
        auto r = sys.lookup<act::ref<quit>>("lobby");
        ASSERT_TRUE(r) << "round " << round;
        r->tell(quit{});
    }
    EXPECT_TRUE(sys.shutdown(act::test::generous));
}
