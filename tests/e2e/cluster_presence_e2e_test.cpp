// Presence across two chatd nodes on one Redis (--bus): a member on node 2
// sees a user of node 1 arrive and leave, and finds it in joined's
// members; the users of a node that stops heartbeating leave within its
// TTL; after Redis is restarted (its data gone) presence is right again,
// what changed meanwhile included. Every wait is for a frame, none for a
// time.

#include "bus/redis_link.hpp"
#include "bus/wire.hpp"
#include "cluster_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using chatd::test::json_field;
using chatd::test::ws_client;

class cluster_presence_e2e : public chatd::test::cluster_fixture {
protected:
    /// Two nodes; bob on node 2 has seen alice, on node 1, arrive.
    void start_with_alice_and_bob() {
        ASSERT_TRUE(redis_.start());
        cfg_.presence_ttl = 5s;  // the nodes' own; a fake node says its own
        start_nodes();
        bob_ = member_on(node2_->port(), "bob");
        alice_ = member_on(port(), "alice");
        ASSERT_TRUE(saw_presence(*bob_, "join", "alice")) << "bob never saw alice, on the other node, arrive";
    }
    /// Waits until `c` has been pushed presence `event` ("join", "leave") of `user`.
    static bool saw_presence(ws_client& c, const std::string& event, const std::string& user) {
        auto is = [&](const std::string& f) {
            return json_field(f, "type") == "presence" && json_field(f, "event") == event && json_field(f, "user") == user;
        };
        for (const auto& f : c.seen())
            if (is(f)) return true;
        while (auto f = c.wait_for("presence"))
            if (is(*f)) return true;
        return false;
    }
    /// joined's members for a new member `name` on `port` (who stays).
    std::string members_seen_by(std::uint16_t port, const std::string& name) {
        stay_.push_back(member_on(port, name));
        for (const auto& f : stay_.back()->seen())
            if (json_field(f, "type") == "joined") return json_field(f, "members");
        return "<no joined>";
    }
    std::vector<std::unique_ptr<ws_client>> stay_;
    std::unique_ptr<ws_client> bob_, alice_;
    /// Another node, written straight into Redis as a chatd node writes
    /// itself: one heartbeat that keeps it alive for `ttl`, never repeated
    /// (a node that died), and `user` in the room.
    void dead_node(const std::string& node, std::chrono::milliseconds ttl, const std::string& user) {
        chatd::bus::redis_link admin(*chatd::bus::parse_redis_address(redis_.url()), 1000ms);
        ASSERT_TRUE(admin.connect());
        admin.append({"SET", "chatd:node:" + node, "1", "PX", std::to_string(ttl.count())});
        admin.append({"PUBLISH", chatd::bus::nodes_channel(), chatd::bus::encode_heartbeat(node, ttl.count())});
        admin.append({"SADD", "chatd:presence:" + room_, node + " " + user});
        admin.append({"PUBLISH", chatd::bus::channel_of(room_), chatd::bus::encode_presence(node, user, true)});
        ASSERT_TRUE(admin.flush());
        chatd::bus::redis_reply r;
        for (int i = 0; i < 4; ++i) ASSERT_TRUE(admin.read_one(r));
    }
};

TEST_F(cluster_presence_e2e, a_member_on_node_2_sees_a_user_of_node_1_arrive_be_listed_and_leave) {
    CHATD_NEEDS_REDIS();
    start_with_alice_and_bob();
    EXPECT_EQ(members_seen_by(node2_->port(), "carol"), R"(["alice","bob","carol"])");
    // A second connection of alice's, on node 2: no news; its leave neither.
    auto alice2 = member_on(node2_->port(), "alice");
    alice2.reset();
    alice_.reset();  // her last connection: she leaves
    ASSERT_TRUE(saw_presence(*bob_, "leave", "alice"));
    std::size_t joins = 0;
    for (const auto& f : bob_->seen())
        if (json_field(f, "type") == "presence" && json_field(f, "user") == "alice") joins += json_field(f, "event") == "join";
    EXPECT_EQ(joins, 1u) << "alice arrived twice for bob";
}

TEST_F(cluster_presence_e2e, the_users_of_a_node_that_stops_heartbeating_leave_within_its_ttl) {
    CHATD_NEEDS_REDIS();
    start_with_alice_and_bob();
    dead_node("deadbeef.1", 500ms, "dave");
    ASSERT_TRUE(saw_presence(*bob_, "join", "dave"));
    EXPECT_TRUE(saw_presence(*bob_, "leave", "dave")) << "dave's node stopped heartbeating, yet he never left";
    EXPECT_EQ(members_seen_by(node2_->port(), "carol"), R"(["alice","bob","carol"])");
}

TEST_F(cluster_presence_e2e, after_redis_restarts_presence_is_right_again) {
    CHATD_NEEDS_REDIS();
    start_with_alice_and_bob();

    redis_.kill();
    alice_.reset();                         // leaves node 1 while Redis is down
    auto dave = member_on(port(), "dave");  // and dave arrives there
    ASSERT_TRUE(redis_.start());            // empty: what Redis held is gone

    EXPECT_TRUE(saw_presence(*bob_, "join", "dave"));
    EXPECT_TRUE(saw_presence(*bob_, "leave", "alice"));
    EXPECT_EQ(members_seen_by(node2_->port(), "carol"), R"(["bob","carol","dave"])");
    ASSERT_TRUE(saw_presence(*dave, "join", "carol"));  // node 1 knows of carol: now its joins list her
    EXPECT_EQ(members_seen_by(port(), "erin"), R"(["bob","carol","dave","erin"])");
}

}  // namespace
