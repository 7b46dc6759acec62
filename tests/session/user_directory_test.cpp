// The user directory: which sessions a user has, a push to all of them but
// one (to a bounded number, within the user's budget), and a close to every one.

#include "../actor/fixture.hpp"
#include "session/user_directory.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace {

using chatd::session::close_connection;
using chatd::session::push_ref;
using chatd::session::user_directory;
using chatd::session::user_push;

class recorder final : public act::actor<user_push> {
public:
    explicit recorder(std::shared_ptr<std::vector<std::string>> got) : got_(std::move(got)) {}
    void handle(const user_push& p) override {
        if (const auto* data = std::get_if<chatd::chat::frame>(&p.what)) return got_->push_back(**data);
        const auto& c = std::get<close_connection>(p.what);
        got_->push_back("close " + std::to_string(c.code) + " " + c.reason);
    }

private:
    std::shared_ptr<std::vector<std::string>> got_;
};

class user_directory_test : public act::test::deterministic {
protected:
    push_ref spawn(const std::shared_ptr<std::vector<std::string>>& got) {
        return push_ref(sys_.spawn<recorder>({.label = "session"}, got));
    }
};

TEST_F(user_directory_test, a_push_reaches_the_users_other_sessions_and_no_one_else) {
    user_directory users;
    auto a = std::make_shared<std::vector<std::string>>();
    auto b = std::make_shared<std::vector<std::string>>();
    auto other = std::make_shared<std::vector<std::string>>();
    const push_ref ra = spawn(a), rb = spawn(b), ro = spawn(other);
    users.add("alice", ra);
    users.add("alice", rb);
    users.add("bob", ro);
    EXPECT_EQ(users.count("alice"), 2u);

    EXPECT_EQ(users.tell_others("alice", ra.id(), std::make_shared<const std::string>("m")), 1u);
    run();
    EXPECT_TRUE(a->empty()) << "the session that asked is not told";
    EXPECT_EQ(*b, std::vector<std::string>{"m"});
    EXPECT_TRUE(other->empty());

    users.remove("alice", rb.id());
    EXPECT_EQ(users.tell_others("alice", ra.id(), std::make_shared<const std::string>("n")), 0u);
    users.remove("alice", ra.id());
    EXPECT_EQ(users.count("alice"), 0u);
}

TEST_F(user_directory_test, a_push_reaches_at_most_max_per_user_sessions_and_a_close_reaches_them_all) {
    user_directory users(2);
    auto got = std::make_shared<std::vector<std::string>>();
    const push_ref r1 = spawn(got), r2 = spawn(got), r3 = spawn(got), r4 = spawn(got);
    for (const auto& r : {r1, r2, r3, r4}) users.add("alice", r);
    EXPECT_EQ(users.count("alice"), 4u);
    EXPECT_EQ(users.tell_others("alice", r1.id(), std::make_shared<const std::string>("m")), 2u);
    EXPECT_EQ(users.notify("alice", std::make_shared<const std::string>("n")), 2u);
    run();
    EXPECT_EQ(got->size(), 4u);

    got->clear();
    EXPECT_EQ(users.close_all("alice", close_connection{4003, "bye", nullptr}), 4u);
    EXPECT_EQ(users.close_all("bob", close_connection{4003, "bye", nullptr}), 0u);
    run();
    EXPECT_EQ(*got, std::vector<std::string>(4, "close 4003 bye"));
}

// The clock the budget test moves by hand (no sleeps, no real time).
std::chrono::steady_clock::time_point fake_now{};
std::chrono::steady_clock::time_point fake_clock() { return fake_now; }

TEST_F(user_directory_test, pushes_others_cause_a_user_are_bounded_by_its_budget_and_refill_with_time) {
    user_directory users(64, chatd::session::push_budget{.per_second = 2, .burst = 3}, &fake_clock);
    auto phone = std::make_shared<std::vector<std::string>>();
    auto desk = std::make_shared<std::vector<std::string>>();
    const push_ref rp = spawn(phone), rd = spawn(desk);
    users.add("bob", rp);
    users.add("bob", rd);
    const auto frame = std::make_shared<const std::string>("room_added");
    // One push spends one of the budget, however many sessions it reaches.
    for (int i = 0; i < 3; ++i) EXPECT_EQ(users.notify("bob", frame), 2u) << i;
    EXPECT_EQ(users.notify("bob", frame), 0u) << "over the burst: dropped";
    EXPECT_EQ(users.dropped(), 1u);
    run();
    EXPECT_EQ(phone->size(), 3u);
    EXPECT_EQ(desk->size(), 3u);
    // Another user's budget is its own; time gives bob's back.
    auto other = std::make_shared<std::vector<std::string>>();
    users.add("carol", spawn(other));
    EXPECT_EQ(users.notify("carol", frame), 1u);
    fake_now += std::chrono::seconds(1);
    EXPECT_EQ(users.notify("bob", frame), 2u);
    EXPECT_EQ(users.notify("bob", frame), 2u);
    EXPECT_EQ(users.notify("bob", frame), 0u);
    // Sessions named in `except` (those a room told itself) are skipped.
    fake_now += std::chrono::seconds(10);
    const std::uint64_t in_room = rp.id();
    EXPECT_EQ(users.notify("bob", frame, std::span(&in_room, 1)), 1u);
    run();
    EXPECT_EQ(phone->size(), 5u);
    EXPECT_EQ(desk->size(), 6u);
    // Marker pushes, the user's own doing, are not held to it.
    EXPECT_EQ(users.notify("bob", frame), 2u);
    EXPECT_EQ(users.notify("bob", frame), 2u);
    EXPECT_EQ(users.notify("bob", frame), 0u);
    EXPECT_EQ(users.tell_others("bob", rp.id(), frame), 1u);
}

}  // namespace
