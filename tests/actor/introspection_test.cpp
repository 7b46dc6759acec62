// What the system tells about itself: per-actor counters in a snapshot,
// dead letters (and their hook), and how many actors were spawned and live.

#include "fixture.hpp"
#include "support.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct note {};
struct boom {};

struct clerk : act::actor<note, boom> {
    void handle(const note&) override {}
    void handle(const boom&) override { throw std::runtime_error("boom"); }
};

act::spawn_options labelled(const char* label, std::string name = {}) {
    act::spawn_options o;
    o.label = label;
    o.name = std::move(name);
    return o;
}

}  // namespace

using introspection = act::test::deterministic;

TEST_F(introspection, a_snapshot_shows_each_actors_counters) {
    auto r = sys_.spawn<clerk>(labelled("room", "lobby"));
    for (int i = 0; i < 3; ++i) r.tell(note{});
    auto queued = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(queued);
    EXPECT_EQ(queued->mailbox_depth, 3u);
    EXPECT_EQ(queued->handled, 0u);

    run();
    r.tell(boom{});
    run();
    auto s = act::test::stats_of(sys_, r.id());
    ASSERT_TRUE(s);
    EXPECT_EQ(s->handled, 3u);  // the message that threw was not handled
    EXPECT_EQ(s->mailbox_depth, 0u);
    EXPECT_EQ(s->restarts, 1u);
    EXPECT_EQ(s->dropped, 0u);
    EXPECT_EQ(std::string_view(s->label), "room");
    EXPECT_EQ(s->name, "lobby");
}

TEST_F(introspection, a_snapshot_lists_live_actors_only) {
    auto x = sys_.spawn<clerk>({});
    auto y = sys_.spawn<clerk>(labelled("session"));
    run();
    auto s = sys_.snapshot();
    EXPECT_EQ(s.actors.size(), 3u);  // the root supervisor, x and y
    EXPECT_TRUE(act::test::stats_of(sys_, x.id()));
    auto ys = act::test::stats_of(sys_, y.id());
    ASSERT_TRUE(ys);
    EXPECT_EQ(std::string_view(ys->label), "session");
    EXPECT_TRUE(act::test::stats_of(sys_, sys_.root().id()));

    sys_.stop(x);
    run();
    EXPECT_FALSE(act::test::stats_of(sys_, x.id()));
    EXPECT_EQ(sys_.snapshot().actors.size(), 2u);
}

TEST_F(introspection, spawned_and_live_counts_follow_the_actors) {
    auto base = sys_.snapshot();
    EXPECT_EQ(base.spawned, 1u);  // the root supervisor
    EXPECT_EQ(base.live, 1u);

    auto x = sys_.spawn<clerk>({});
    auto y = sys_.spawn<clerk>({});
    run();
    EXPECT_EQ(sys_.snapshot().spawned, 3u);
    EXPECT_EQ(sys_.live_actors(), 3u);

    sys_.stop(x);
    run();
    auto after = sys_.snapshot();
    EXPECT_EQ(after.spawned, 3u);
    EXPECT_EQ(after.live, 2u);
    EXPECT_EQ(sys_.live_actors(), 2u);

    EXPECT_TRUE(sys_.shutdown());
    EXPECT_EQ(sys_.live_actors(), 0u);
    EXPECT_TRUE(y.terminated());
}

TEST_F(introspection, a_tell_to_a_stopped_actor_is_a_dead_letter) {
    auto r = sys_.spawn<clerk>({});
    run();
    sys_.stop(r);
    run();
    EXPECT_EQ(sys_.dead_letters(), 0u);
    EXPECT_EQ(r.tell(note{}), act::send_status::dead);
    EXPECT_EQ(r.tell(note{}), act::send_status::dead);
    EXPECT_EQ(sys_.dead_letters(), 2u);
    EXPECT_EQ(sys_.snapshot().dead_letters, 2u);
}

TEST_F(introspection, messages_still_queued_when_an_actor_stops_are_dead_letters) {
    auto r = sys_.spawn<clerk>({});
    run();
    r.tell(note{});
    r.tell(note{});
    sys_.stop(r);  // goes ahead of the two notes
    run();
    EXPECT_EQ(sys_.dead_letters(), 2u);
}

// ---- the dead-letter hook -------------------------------------------------

namespace {
using letters = std::shared_ptr<std::vector<act::dead_letter>>;
}  // namespace

class dead_letter_hook : public act::test::deterministic {
protected:
    dead_letter_hook() : dead_letter_hook(std::make_shared<std::vector<act::dead_letter>>()) {}

    letters seen_;

private:
    explicit dead_letter_hook(letters seen) : deterministic(config(seen)), seen_(std::move(seen)) {}
    static act::system_config config(letters seen) {
        act::system_config c;
        // The hook may run until the system is gone: it owns what it writes to.
        c.on_dead_letter = [seen = std::move(seen)](const act::dead_letter& d) { seen->push_back(d); };
        return c;
    }
};

TEST_F(dead_letter_hook, is_told_the_target_of_each_dead_letter) {
    auto r = sys_.spawn<clerk>(labelled("room"));
    auto other = sys_.spawn<clerk>({});
    run();
    sys_.stop(r);
    run();
    EXPECT_TRUE(seen_->empty());
    r.tell(note{});
    other.tell(note{});  // alive: not a dead letter
    run();
    ASSERT_EQ(seen_->size(), 1u);
    EXPECT_EQ((*seen_)[0].target_id, r.id());
    EXPECT_EQ(std::string_view((*seen_)[0].target_label), "room");
    EXPECT_EQ(sys_.dead_letters(), 1u);
}
