// Typed refs: what compiles (tell only the declared messages, ask only
// messages with a reply, narrow only to a subset) and what a ref does at
// run time (an empty ref is dead, its id survives restarts).

#include "fixture.hpp"
#include "support.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using namespace std::chrono_literals;
using act::ref;

namespace {

struct a {
    int n = 0;
};
struct b {};
struct c {};
struct q {
    using reply = int;
};
struct boom {};

// What a caller can write, as concepts: an ill-formed call is `false`, not
// a compile error, so static_assert can check both sides.
template <class R, class M>
concept can_tell = requires(const R& r, M m) { r.tell(std::move(m)); };
template <class R, class M>
concept can_ask = requires(const R& r, M m) { r.ask(std::move(m), act::duration{}); };

static_assert(can_tell<ref<a, b>, a>);
static_assert(can_tell<ref<a, b>, b>);
static_assert(can_tell<ref<a, b>, const a&>);
static_assert(!can_tell<ref<a, b>, c>, "a ref tells only its own messages");
static_assert(!can_tell<ref<a, b>, int>, "no conversions sneak a message in");

static_assert(can_ask<ref<a, q>, q>);
static_assert(!can_ask<ref<a, q>, a>, "a message without `using reply` cannot be asked");
static_assert(!can_ask<ref<a, b>, q>, "nor can a message the ref does not carry");
static_assert(can_tell<ref<a, q>, q>, "a message with a reply can still be told");

static_assert(std::is_convertible_v<ref<a, b>, ref<a>>, "narrows to a subset");
static_assert(std::is_convertible_v<ref<a, b, q>, ref<b, q>>);
static_assert(!std::is_convertible_v<ref<a, b>, ref<c>>, "not to a message it does not carry");
static_assert(!std::is_convertible_v<ref<a, b>, ref<a, c>>);
static_assert(!std::is_convertible_v<ref<a>, ref<a, b>>, "never widens");
static_assert(!std::is_constructible_v<ref<a, b>, ref<a>>);

/// An actor that misses a handler stays abstract: it cannot be spawned.
struct half : act::actor<a, b> {
    using act::actor<a, b>::handle;
    void handle(const a&) override {}
};
static_assert(std::is_abstract_v<half>);

/// Counts `a`s; `q` tells the count; `boom` throws (its supervisor restarts it).
struct counter : act::actor<a, q, boom> {
    void handle(const a& m) override { count_ += m.n; }
    int handle(const q&) override { return count_; }
    void handle(const boom&) override { throw std::runtime_error("boom"); }
    int count_ = 0;
};
static_assert(std::is_same_v<counter::ref_type, ref<a, q, boom>>);

}  // namespace

using refs = act::test::deterministic;

TEST_F(refs, an_empty_ref_is_dead) {
    ref<a, q> r;
    EXPECT_FALSE(r.valid());
    EXPECT_FALSE(r);
    EXPECT_TRUE(r.terminated());
    EXPECT_EQ(r.id(), 0u);
    EXPECT_EQ(r.tell(a{1}), act::send_status::dead);
    auto f = r.ask(q{}, 1s);
    ASSERT_TRUE(f.ready());
    auto res = f.get();
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error(), act::errc::dead);
}

TEST_F(refs, a_narrowed_ref_reaches_the_same_actor) {
    auto wide = sys_.spawn<counter>({});
    ref<a> narrow = wide;
    EXPECT_EQ(narrow.id(), wide.id());
    EXPECT_EQ(narrow.tell(a{5}), act::send_status::ok);
    auto f = wide.ask(q{}, 1s);
    auto res = f.get();
    ASSERT_TRUE(res);
    EXPECT_EQ(*res, 5);
}

TEST_F(refs, refs_to_one_actor_are_equal_and_to_another_are_not) {
    auto x = sys_.spawn<counter>({});
    auto y = sys_.spawn<counter>({});
    auto x2 = x;
    EXPECT_TRUE(x == x2);
    EXPECT_FALSE(x == y);
    EXPECT_NE(x.id(), y.id());
    EXPECT_NE(x.id(), 0u);
}

TEST_F(refs, id_and_ref_stay_valid_across_a_restart) {
    auto r = sys_.spawn<counter>({});
    r.tell(a{3});
    run();
    const auto id = r.id();

    r.tell(boom{});
    run();
    auto s = act::test::stats_of(sys_, id);
    ASSERT_TRUE(s);
    ASSERT_EQ(s->restarts, 1u);

    EXPECT_EQ(r.id(), id);
    EXPECT_FALSE(r.terminated());
    // Same ref, fresh instance: the count started over.
    EXPECT_EQ(r.tell(a{4}), act::send_status::ok);
    auto res = r.ask(q{}, 1s).get();
    ASSERT_TRUE(res);
    EXPECT_EQ(*res, 4);
}

TEST_F(refs, a_ref_to_a_stopped_actor_is_dead) {
    auto r = sys_.spawn<counter>({});
    run();
    sys_.stop(r);
    run();
    EXPECT_TRUE(r.valid());  // still names the actor...
    EXPECT_TRUE(r.terminated());  // ...which is gone
    EXPECT_EQ(r.tell(a{1}), act::send_status::dead);
}

// The docs promise a conversion to "any subset of its messages"; the same
// messages in another order are such a subset, but the size test in the
// converting constructor's constraint excludes them.
TEST(ref_types, converts_to_the_same_messages_in_another_order) {
    EXPECT_TRUE((std::is_convertible_v<ref<a, b>, ref<b, a>>));
}
