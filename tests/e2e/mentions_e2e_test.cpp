// Mentions from outside: a line naming a user with `@` counts in that
// user's mentions on every device (identify, join, read), and only there.

#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;

class mentions_e2e : public chatd::test::server_fixture {
protected:
    mentions_e2e() { cfg_.session.limits.product_requests = true; }
};

TEST_F(mentions_e2e, a_line_naming_a_user_in_the_room_counts_as_a_mention_for_it_alone) {
    start();
    auto bob = member("bob");
    bob->send(R"({"type":"read","id":9,"room":"general","seq":0})");  // keeps general in bob's list
    ASSERT_TRUE(bob->wait_for("read_ok"));
    auto carol = member("carol");
    auto alice = member("alice");
    alice->send(say("general", "@bob look at this, @nobody", "a1"));
    ASSERT_TRUE(alice->wait_for("ack"));
    alice->send(say("general", "and this", "a2", 4));
    ASSERT_TRUE(alice->wait_for("ack"));

    // bob on another device: two unread lines, one mentions him.
    ws_client phone(port());
    phone.identify("bob");
    ASSERT_FALSE(phone.seen().empty());
    const auto listed = phone.seen().back();
    EXPECT_NE(listed.find(R"("mentions":1)"), std::string::npos) << listed;
    phone.send(R"({"type":"join","id":2,"room":"general"})");
    const auto joined = phone.wait_for("joined");
    ASSERT_TRUE(joined);
    EXPECT_EQ(json_field(*joined, "unread"), "2") << *joined;
    EXPECT_EQ(json_field(*joined, "mentions"), "1") << *joined;

    // carol read nothing either: the same lines, no mention.
    carol->send(R"({"type":"read","id":9,"room":"general","seq":0})");
    const auto counts = carol->wait_for("read_ok");
    ASSERT_TRUE(counts);
    EXPECT_EQ(json_field(*counts, "unread"), "2") << *counts;
    EXPECT_EQ(json_field(*counts, "mentions"), "0") << *counts;
}

}  // namespace
