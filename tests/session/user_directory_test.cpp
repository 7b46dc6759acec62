// The user directory: which sessions a user has, bounded per user, and a
// push to all of them but one.

#include "../actor/fixture.hpp"
#include "session/user_directory.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using chatd::session::push_ref;
using chatd::session::user_directory;
using chatd::session::user_push;

class recorder final : public act::actor<user_push> {
public:
    explicit recorder(std::shared_ptr<std::vector<std::string>> got) : got_(std::move(got)) {}
    void handle(const user_push& p) override { got_->push_back(*p.data); }

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
    ASSERT_TRUE(users.add("alice", ra));
    ASSERT_TRUE(users.add("alice", rb));
    ASSERT_TRUE(users.add("alice", rb)) << "listing a session twice is harmless";
    ASSERT_TRUE(users.add("bob", ro));
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

TEST_F(user_directory_test, a_user_has_at_most_max_per_user_sessions_listed) {
    user_directory users(2);
    auto got = std::make_shared<std::vector<std::string>>();
    const push_ref r1 = spawn(got), r2 = spawn(got), r3 = spawn(got);
    EXPECT_TRUE(users.add("alice", r1));
    EXPECT_TRUE(users.add("alice", r2));
    EXPECT_FALSE(users.add("alice", r3));
    EXPECT_EQ(users.count("alice"), 2u);
    users.remove("alice", r1.id());
    EXPECT_TRUE(users.add("alice", r3)) << "a place freed is taken again";
}

}  // namespace
