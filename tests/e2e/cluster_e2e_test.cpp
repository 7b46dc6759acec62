// Two chatd nodes on one store and one Redis (--bus): a line sent on one
// node reaches a member on the other, in order; while Redis is down sends
// keep working, and once it is back the other node's member gets what it
// missed, in order, with no gap and nothing twice. The nodes share one
// SQLite file here (its writers number each room's lines inside their
// transactions, so seq stays gapless across them); the cluster's store of
// record is PostgreSQL, which numbers them the same way: with
// CHATD_TEST_PG_URL=postgres://... set, both nodes use that database.

#include "cluster_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;

class cluster_e2e : public chatd::test::cluster_fixture {
protected:
    /// Sends a line and waits for its ack; its seq.
    std::string send_acked(ws_client& c, const std::string& text) {
        c.send(say(room_, text, "c-" + text));
        auto ack = c.wait_for("ack");
        if (!ack) {
            ADD_FAILURE() << "no ack for " << text;
            return {};
        }
        return json_field(*ack, "seq");
    }
    /// Every line a client was pushed, "seq:text" each, once it has at least `n` (or nothing more came).
    static std::vector<std::string> lines(ws_client& c, std::size_t n) {
        auto all = [&] {
            std::vector<std::string> out;
            for (const auto& f : c.seen())
                if (json_field(f, "type") == "message") out.push_back(json_field(f, "seq") + ":" + json_field(f, "text"));
            return out;
        };
        while (all().size() < n && c.wait_for("message")) {
        }
        return all();
    }
};

TEST_F(cluster_e2e, a_line_sent_on_one_node_reaches_a_member_on_the_other_in_order) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_nodes();
    auto alice = member_on(port(), "alice");
    auto bob = member_on(node2_->port(), "bob");
    for (const char* t : {"one", "two", "three"}) send_acked(*alice, t);
    EXPECT_EQ(lines(*bob, 3), (std::vector<std::string>{"1:one", "2:two", "3:three"}));
    // And back, numbered after them.
    EXPECT_EQ(send_acked(*bob, "four"), "4");
    EXPECT_EQ(lines(*alice, 4), (std::vector<std::string>{"1:one", "2:two", "3:three", "4:four"}));
    EXPECT_EQ(lines(*bob, 4), (std::vector<std::string>{"1:one", "2:two", "3:three", "4:four"}));
}

TEST_F(cluster_e2e, while_redis_is_down_sends_work_and_afterwards_the_other_node_gets_them_with_no_gap) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_nodes();
    auto alice = member_on(port(), "alice");
    auto bob = member_on(node2_->port(), "bob");
    send_acked(*alice, "before");
    ASSERT_EQ(lines(*bob, 1), (std::vector<std::string>{"1:before"}));

    redis_.kill();
    EXPECT_EQ(send_acked(*alice, "during1"), "2") << "a send failed while Redis was down";
    EXPECT_EQ(send_acked(*alice, "during2"), "3");
    EXPECT_EQ(send_acked(*bob, "bob-during"), "4") << "bob's own node took it";
    ASSERT_TRUE(redis_.start());

    // Bob's node catches up from the store once it resubscribes: bob gets
    // 2 and 3 before (in seq order) his own 4, each once.
    EXPECT_EQ(lines(*bob, 4), (std::vector<std::string>{"1:before", "2:during1", "3:during2", "4:bob-during"}));
    send_acked(*alice, "after");
    EXPECT_EQ(lines(*bob, 5),
              (std::vector<std::string>{"1:before", "2:during1", "3:during2", "4:bob-during", "5:after"}));
    EXPECT_EQ(lines(*alice, 5),
              (std::vector<std::string>{"1:before", "2:during1", "3:during2", "4:bob-during", "5:after"}));
}

}  // namespace
