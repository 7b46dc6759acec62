// chatd end to end, on what a room sends a rejoining client and how many
// rooms a connection may start: the server in-process, real WebSocket clients.

#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;
using rooms_e2e = chatd::test::server_fixture;

std::uint64_t seq_of(const std::string& frame) { return std::stoull(json_field(frame, "seq")); }

TEST_F(rooms_e2e, a_client_that_misses_more_than_the_replay_limit_fills_the_gap_from_history_and_sees_every_line_once) {
    cfg_.rooms.replay_limit = 5;
    start();
    auto alice = member("alice");
    std::vector<std::uint64_t> bob_has;  // the seqs bob's client holds, in the order it shows them
    auto bob = member("bob");
    for (int i = 1; i <= 3; ++i) {
        alice->send(say("general", "line", "a" + std::to_string(i)));
        ASSERT_TRUE(alice->wait_for("ack"));
        auto m = bob->wait_for("message");
        ASSERT_TRUE(m);
        bob_has.push_back(seq_of(*m));
    }
    const std::uint64_t since = bob_has.back();  // the client notes its last seq, then drops off
    bob.reset();
    for (int i = 4; i <= 20; ++i) {
        alice->send(say("general", "line", "a" + std::to_string(i)));
        ASSERT_TRUE(alice->wait_for("ack"));
    }

    // docs/protocol.md, "Replay with since": rejoin with since, take the
    // replay, then page history backwards from the first replayed seq.
    ws_client again(port());
    again.identify("bob");
    again.send(R"({"type":"join","id":2,"room":"general","since":)" + std::to_string(since) + "}");
    auto done = again.wait_for("replay_done");
    ASSERT_TRUE(done);
    std::vector<std::uint64_t> replayed;
    for (const auto& f : again.seen())
        if (json_field(f, "type") == "message") replayed.push_back(seq_of(f));
    ASSERT_FALSE(replayed.empty());
    EXPECT_EQ(replayed.size(), 5u);
    EXPECT_EQ(json_field(*done, "complete"), "false");
    EXPECT_EQ(json_field(*done, "through"), "20");

    std::vector<std::uint64_t> filled;  // oldest first
    std::uint64_t before = replayed.front();
    for (int page = 0; page < 20 && before > since + 1; ++page) {
        again.send(R"({"type":"history","id":9,"room":"general","limit":4,"before":)" + std::to_string(before) + "}");
        auto h = again.wait_for("history");
        ASSERT_TRUE(h);
        std::vector<std::uint64_t> got;
        simdjson::dom::parser p;
        for (auto m : p.parse(*h)["messages"].get_array()) got.push_back(std::uint64_t(m["seq"].get_uint64()));
        std::vector<std::uint64_t> kept;
        for (auto s : got)
            if (s > since) kept.push_back(s);
        filled.insert(filled.begin(), kept.begin(), kept.end());
        if (got.empty() || json_field(*h, "has_more") == "false") break;
        before = got.front();
    }
    bob_has.insert(bob_has.end(), filled.begin(), filled.end());
    bob_has.insert(bob_has.end(), replayed.begin(), replayed.end());

    alice->send(say("general", "live", "a21"));
    auto live = again.wait_for("message");
    ASSERT_TRUE(live);
    bob_has.push_back(seq_of(*live));

    std::vector<std::uint64_t> every;
    for (std::uint64_t s = 1; s <= 21; ++s) every.push_back(s);
    EXPECT_EQ(bob_has, every);
}

TEST_F(rooms_e2e, a_replay_of_lines_that_escape_six_times_over_is_not_cut_off) {
    cfg_.session.rate_per_second = 1000;
    cfg_.session.rate_burst = 1000;
    start();
    auto alice = member("alice");
    std::string text;
    for (int i = 0; i < 4096; ++i) text += "\\u0001";  // 4 KB of control characters, 24 KB on the wire
    for (int i = 1; i <= 100; ++i) {
        alice->send(say("general", text, "c" + std::to_string(i)));
        ASSERT_TRUE(alice->wait_for("ack")) << "line " << i;
    }
    ws_client bob(port());
    bob.identify("bob");
    bob.send(R"({"type":"join","id":2,"room":"general","since":0})");
    auto done = bob.wait_for("replay_done");
    ASSERT_TRUE(done) << "cut off with close code " << bob.wait_closed();
    EXPECT_EQ(json_field(*done, "complete"), "false");
    EXPECT_EQ(json_field(*done, "through"), "100");
    bob.send(R"({"type":"ping","id":5})");
    EXPECT_TRUE(bob.wait_for("pong")) << "the connection did not survive the replay";
}

TEST_F(rooms_e2e, a_connection_may_start_only_so_many_rooms_a_minute_but_may_join_rooms_that_run) {
    cfg_.session.room_creations_per_minute = 3;
    start();
    auto other = member("carol", "lounge");  // a room someone else started
    ws_client c(port());
    c.identify("mallory");
    for (int i = 1; i <= 3; ++i) {
        c.send(R"({"type":"join","id":)" + std::to_string(10 + i) + R"(,"room":"new-)" + std::to_string(i) + R"("})");
        ASSERT_TRUE(c.wait_for("joined")) << "room " << i;
    }
    c.send(R"({"type":"join","id":20,"room":"new-4"})");
    auto refused = c.wait_for("error");
    ASSERT_TRUE(refused);
    EXPECT_EQ(json_field(*refused, "code"), "rate_limited");
    EXPECT_EQ(json_field(*refused, "id"), "20");
    c.send(R"({"type":"join","id":21,"room":"lounge"})");
    auto joined = c.wait_for("joined");
    ASSERT_TRUE(joined);
    EXPECT_EQ(json_field(*joined, "id"), "21");
    auto [status, body] = chatd::test::http_get(port(), "/metrics");
    EXPECT_NE(body.find("chatd_rooms 4\n"), std::string::npos) << "lounge and new-1..3 only";
}

}  // namespace
