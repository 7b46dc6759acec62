#include "fixture.hpp"

namespace {
struct add { int n; };
struct total { using reply = int; };
struct summer : act::actor<add, total> {
    void handle(const add& a) override { sum_ += a.n; }
    int handle(const total&) override { return sum_; }
    int sum_ = 0;
};
}  // namespace

using smoke = act::test::deterministic;

TEST_F(smoke, tell_then_ask_sees_the_sum) {
    auto s = sys_.spawn<summer>({});
    s.tell(add{2});
    s.tell(add{3});
    auto f = s.ask(total{}, std::chrono::seconds(1));
    run();
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(*f.get(), 5);
}
