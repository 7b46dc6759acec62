// chatd end to end: the server in-process on port 0, real WebSocket clients.

#include "auth/jwt.hpp"
#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;
using e2e = chatd::test::server_fixture;

TEST_F(e2e, two_clients_chat_and_the_sender_is_acked) {
    start();
    auto alice = member("alice"), bob = member("bob");
    alice->send(say("general", "hello bob", "c1"));
    auto ack = alice->wait_for("ack");
    ASSERT_TRUE(ack);
    EXPECT_EQ(json_field(*ack, "seq"), "1");
    EXPECT_EQ(json_field(*ack, "client_id"), "c1");
    auto msg = bob->wait_for("message");
    ASSERT_TRUE(msg);
    EXPECT_EQ(json_field(*msg, "from"), "alice");
    EXPECT_EQ(json_field(*msg, "text"), "hello bob");
    EXPECT_EQ(json_field(*msg, "seq"), "1");
}

TEST_F(e2e, health_readiness_and_metrics_are_served) {
    start();
    EXPECT_EQ(chatd::test::http_get(port(), "/healthz").first, 200);
    EXPECT_EQ(chatd::test::http_get(port(), "/readyz").first, 200);
    {
        auto alice = member("alice"), bob = member("bob");
        alice->send(say("general", "counted", "c1"));
        ASSERT_TRUE(alice->wait_for("ack"));
        ASSERT_TRUE(bob->wait_for("message"));
        alice->send("{oops");
        ASSERT_TRUE(alice->wait_for("error"));
    }
    auto [status, body] = chatd::test::http_get(port(), "/metrics");
    EXPECT_EQ(status, 200);
    for (const char* line : {"chatd_messages_received_total 1", "chatd_messages_stored_total 1",
                             "chatd_messages_delivered_total 2", "chatd_acks_total 1",
                             "chatd_rejected_total{code=\"bad_json\"} 1", "chatd_rooms 1"})
        EXPECT_NE(body.find(line), std::string::npos) << "missing: " << line;
}

TEST_F(e2e, history_survives_a_restart) {
    start();
    {
        auto alice = member("alice");
        for (int i = 1; i <= 3; ++i) {
            alice->send(say("general", "line " + std::to_string(i), "c" + std::to_string(i)));
            ASSERT_TRUE(alice->wait_for("ack"));
        }
    }
    restart();
    auto bob = member("bob");
    bob->send(R"({"type":"history","id":9,"room":"general"})");
    auto h = bob->wait_for("history");
    ASSERT_TRUE(h);
    simdjson::dom::parser p;
    auto messages = p.parse(*h)["messages"].get_array();
    ASSERT_EQ(messages.error(), simdjson::SUCCESS);
    ASSERT_EQ(messages.value().size(), 3u);
    EXPECT_EQ(std::string(messages.value().at(2)["text"].get_string().value()), "line 3");
}

TEST_F(e2e, a_client_that_rejoins_with_its_last_seq_gets_what_it_missed) {
    start();
    auto alice = member("alice");
    for (int i = 1; i <= 5; ++i) {
        alice->send(say("general", "m" + std::to_string(i), "c" + std::to_string(i)));
        ASSERT_TRUE(alice->wait_for("ack"));
    }
    ws_client bob(port());
    bob.identify("bob");
    bob.send(R"({"type":"join","id":2,"room":"general","since":2})");
    ASSERT_TRUE(bob.wait_for("replay_done"));
    std::vector<std::string> seqs;
    for (const auto& f : bob.seen())
        if (json_field(f, "type") == "message") seqs.push_back(json_field(f, "seq"));
    EXPECT_EQ(seqs, (std::vector<std::string>{"3", "4", "5"}));
    EXPECT_EQ(json_field(bob.seen().back(), "complete"), "true");
}

TEST_F(e2e, resending_the_same_client_id_never_makes_a_second_message) {
    start();
    auto alice = member("alice"), bob = member("bob");
    alice->send(say("general", "once", "same"));
    auto first = alice->wait_for("ack");
    alice->send(say("general", "once", "same"));
    auto second = alice->wait_for("ack");
    ASSERT_TRUE(first && second);
    EXPECT_EQ(json_field(*first, "seq"), json_field(*second, "seq"));
    alice->send(say("general", "next", "other"));
    auto next = bob->wait_for("message");
    ASSERT_TRUE(next);
    EXPECT_EQ(json_field(*next, "text"), "once");
    next = bob->wait_for("message");
    ASSERT_TRUE(next);
    EXPECT_EQ(json_field(*next, "text"), "next") << "the resend was pushed a second time";
}

TEST_F(e2e, a_room_that_crashes_recovers_and_its_members_notice_only_a_rejoin) {
    start();
    auto alice = member("alice"), bob = member("bob");
    alice->send(say("general", "before", "c1"));
    ASSERT_TRUE(alice->wait_for("ack"));
    ASSERT_TRUE(bob->wait_for("message"));
    server_->inject_room_failure("general");
    // Both are told "joined" again (the session rejoined for them) and the
    // numbering goes on where it was.
    ASSERT_TRUE(bob->wait_for("joined"));
    ASSERT_TRUE(alice->wait_for("joined"));
    alice->send(say("general", "after", "c2"));
    auto msg = bob->wait_for("message");
    ASSERT_TRUE(msg);
    EXPECT_EQ(json_field(*msg, "text"), "after");
    EXPECT_EQ(json_field(*msg, "seq"), "2");
    auto other = member("carol", "random");  // other rooms never noticed
    other->send(say("random", "fine", "c3"));
    EXPECT_TRUE(other->wait_for("ack"));
}

TEST_F(e2e, with_a_secret_only_signed_tokens_get_in) {
    cfg_.session.jwt_secret = "s3cret";
    cfg_.session.allow_guests = false;
    start();
    ws_client c(port());
    c.send(R"({"type":"identify","id":1,"name":"guest"})");
    auto e = c.wait_for("error");
    ASSERT_TRUE(e);
    EXPECT_EQ(json_field(*e, "code"), "guests_not_allowed");
    const auto in_an_hour = std::chrono::duration_cast<std::chrono::seconds>(
                                (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch())
                                .count();
    c.send(R"({"type":"identify","id":2,"token":")" + chatd::auth::sign_hs256("mallory", in_an_hour, "wrong") + R"("})");
    e = c.wait_for("error");
    ASSERT_TRUE(e);
    EXPECT_EQ(json_field(*e, "code"), "auth_failed");
    c.send(R"({"type":"identify","id":3,"token":")" + chatd::auth::sign_hs256("alice", in_an_hour, "s3cret") + R"("})");
    auto ok = c.wait_for("identified");
    ASSERT_TRUE(ok);
    EXPECT_EQ(json_field(*ok, "user"), "alice");
    EXPECT_EQ(json_field(*ok, "guest"), "false");
}

TEST_F(e2e, graceful_shutdown_closes_with_1001_and_loses_nothing_acked) {
    start();
    int acked = 0;
    {
        auto alice = member("alice");
        for (int i = 0; i < 20; ++i) alice->send(say("general", "x", "c" + std::to_string(i), i + 10));
        while (acked < 20 && alice->wait_for("ack")) ++acked;
        ASSERT_EQ(acked, 20);
        // Stop from another thread, as a signal would: this one reads the close.
        std::jthread stopper([this] { server_->stop(); });
        EXPECT_EQ(alice->wait_closed(), 1001);
    }
    restart();
    auto bob = member("bob");
    bob->send(R"({"type":"history","id":9,"room":"general","limit":100})");
    auto h = bob->wait_for("history");
    ASSERT_TRUE(h);
    simdjson::dom::parser p;
    EXPECT_EQ(p.parse(*h)["messages"].get_array().value().size(), 20u);
}

}  // namespace
