// Bad input gets a clear error (or a documented close code) and never
// troubles the connection's neighbours.

#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;
using bad_input = chatd::test::server_fixture;

std::string error_code_of(ws_client& c, const std::string& frame) {
    c.send(frame);
    auto e = c.wait_for("error");
    return e ? json_field(*e, "code") : "<no error>";
}

TEST_F(bad_input, each_bad_request_gets_its_error_code_and_the_connection_carries_on) {
    cfg_.session.limits.max_text_bytes = 16;
    start();
    ws_client c(port());
    EXPECT_EQ(error_code_of(c, R"({"type":"join","id":1,"room":"general"})"), "not_identified");
    EXPECT_EQ(error_code_of(c, "{not json"), "bad_json");
    EXPECT_EQ(error_code_of(c, R"({"type":"dance","id":1})"), "unknown_type");
    c.identify("alice");
    EXPECT_EQ(error_code_of(c, R"({"type":"join","id":1})"), "missing_field");
    EXPECT_EQ(error_code_of(c, R"({"type":"join","id":1,"room":42})"), "wrong_type");
    EXPECT_EQ(error_code_of(c, R"({"type":"join","id":1,"room":"bad room!"})"), "invalid_field");
    EXPECT_EQ(error_code_of(c, R"({"type":"send","id":1,"room":"general","text":"hi","client_id":"c1"})"),
              "not_in_room");
    c.send(R"({"type":"join","id":2,"room":"general"})");
    ASSERT_TRUE(c.wait_for("joined"));
    EXPECT_EQ(error_code_of(c, R"({"type":"send","id":1,"room":"general","text":"this text is far too long","client_id":"c1"})"),
              "text_too_long");
    EXPECT_EQ(error_code_of(c, R"({"type":"identify","id":1,"name":"again"})"), "already_identified");
    c.send(R"({"type":"ping","id":77})");
    auto pong = c.wait_for("pong");
    ASSERT_TRUE(pong) << "the connection did not carry on";
    EXPECT_EQ(json_field(*pong, "id"), "77");
}

TEST_F(bad_input, invalid_utf8_closes_with_1007_and_oversized_frames_with_frame_too_large_or_1009) {
    start();
    ws_client bad_utf8(port());
    bad_utf8.send(std::string(R"({"type":"ping","id":")") + "\xff\xfe" + R"("})");  // not UTF-8
    EXPECT_EQ(bad_utf8.wait_closed(), 1007);

    ws_client big(port());
    const std::string padding(65 * 1024, 'x');  // over max_frame_bytes (64 KiB), under the transport limit (68 KiB)
    EXPECT_EQ(error_code_of(big, R"({"type":"ping","id":1,"pad":")" + padding + R"("})"), "frame_too_large");
    big.send(R"({"type":"ping","id":2})");
    EXPECT_TRUE(big.wait_for("pong")) << "the connection did not carry on";

    ws_client huge(port());
    // Over the transport limit. The server may close (1009) before the client
    // has finished writing, in which case the write fails instead; either way
    // the frame was refused (ws_connection_test checks the 1009 exactly).
    if (huge.try_send(std::string(200 * 1024, ' '))) {
        EXPECT_EQ(huge.wait_closed(), 1009);
    }
    big.send(R"({"type":"ping","id":3})");
    EXPECT_TRUE(big.wait_for("pong")) << "another client was troubled";
}

TEST_F(bad_input, too_many_rooms_is_refused) {
    cfg_.session.max_rooms = 2;
    start();
    ws_client c(port());
    c.identify("alice");
    for (const char* room : {"a", "b"}) {
        c.send(std::string(R"({"type":"join","id":2,"room":")") + room + R"("})");
        ASSERT_TRUE(c.wait_for("joined"));
    }
    EXPECT_EQ(error_code_of(c, R"({"type":"join","id":3,"room":"c"})"), "too_many_rooms");
}

TEST_F(bad_input, a_client_over_its_rate_is_told_so) {
    cfg_.session.rate_per_second = 1;
    cfg_.session.rate_burst = 3;
    start();
    ws_client c(port());
    for (int i = 0; i < 6; ++i) c.send(R"({"type":"ping","id":1})");
    EXPECT_TRUE(c.wait_for("error").has_value());
    EXPECT_EQ(json_field(c.seen().back(), "code"), "rate_limited");
}

TEST_F(bad_input, malformed_frames_count_against_the_rate_limit_and_abuse_closes_with_4002) {
    cfg_.session.rate_per_second = 1;
    cfg_.session.rate_burst = 3;
    cfg_.session.abuse_threshold = 5;
    start();
    ws_client c(port());
    for (int i = 0; i < 30 && c.try_send("{not json"); ++i) {
    }
    std::set<std::string> codes;
    while (auto f = c.next()) codes.insert(json_field(*f, "code"));
    EXPECT_TRUE(codes.count("rate_limited")) << "garbage went around the rate limit";
    EXPECT_EQ(c.wait_closed(), 4002);
}

TEST_F(bad_input, a_failed_typing_notice_echoes_its_id) {
    start();
    ws_client c(port());
    c.identify("alice");
    c.send(R"({"type":"typing","id":"t-7","room":"general"})");
    auto e = c.wait_for("error");
    ASSERT_TRUE(e);
    EXPECT_EQ(json_field(*e, "code"), "not_in_room");
    EXPECT_EQ(json_field(*e, "id"), "t-7");
}

TEST_F(bad_input, numbers_out_of_range_are_invalid_field_with_the_id) {
    start();
    auto c = member("alice");
    for (const std::string n : {"1e30", "18446744073709551616", "-1", "123456789012345678901234567890"}) {
        c->send(R"({"type":"history","id":9,"room":"general","before":)" + n + "}");
        auto e = c->wait_for("error");
        ASSERT_TRUE(e) << n;
        EXPECT_EQ(json_field(*e, "code"), "invalid_field") << n;
        EXPECT_EQ(json_field(*e, "id"), "9") << n;
    }
}

TEST_F(bad_input, a_nul_in_a_line_is_invalid_field_with_the_id_and_the_connection_and_room_carry_on) {
    // No store keeps U+0000 (PostgreSQL's text cannot): refused at once, on
    // every store alike, so the client is not told `unavailable` and does
    // not resend it forever.
    start();
    auto alice = member("alice");
    auto bob = member("bob");
    for (const std::string& frame : {say("general", R"(a\u0000b)", "c-nul", 41),
                                    std::string(R"({"type":"edit","id":41,"room":"general","seq":1,"text":"\u0000","client_id":"c-e"})"),
                                    std::string(R"({"type":"set_topic","id":41,"room":"general","topic":"\u0000","client_id":"c-t"})")}) {
        alice->send(frame);
        auto e = alice->wait_for("error");
        ASSERT_TRUE(e) << frame;
        EXPECT_EQ(json_field(*e, "code"), "invalid_field") << frame;
        EXPECT_EQ(json_field(*e, "id"), "41") << frame;
    }
    alice->send(say("general", "after", "c-after", 42));
    auto ack = alice->wait_for("ack");
    ASSERT_TRUE(ack) << "the connection did not carry on";
    EXPECT_EQ(json_field(*ack, "id"), "42");
    auto line = bob->wait_for("message");
    ASSERT_TRUE(line) << "the room did not carry on";
    EXPECT_EQ(json_field(*line, "text"), "after") << "another member saw the refused line";
    EXPECT_EQ(json_field(*line, "seq"), json_field(*ack, "seq"));
}

TEST_F(bad_input, a_binary_frame_closes_with_1003_and_others_are_untouched) {
    start();
    auto alice = member("alice"), bob = member("bob");
    ws_client mallory(port());
    mallory.send_binary(std::string("\x00\x01\x02", 3));
    EXPECT_EQ(mallory.wait_closed(), 1003);
    alice->send(say("general", "still here", "c1"));
    auto msg = bob->wait_for("message");
    ASSERT_TRUE(msg);
    EXPECT_EQ(json_field(*msg, "text"), "still here");
}

TEST_F(bad_input, a_slow_consumer_is_cut_off_while_the_others_keep_receiving) {
    cfg_.net.outbound_budget_bytes = 512 * 1024;
    cfg_.session.rate_per_second = 100000;
    cfg_.session.rate_burst = 100000;
    start();
    auto alice = member("alice"), bob = member("bob");
    auto slow = member("slow");  // joins, then never reads again
    const std::string text(4000, 'x');
    const int lines = 2500;  // about 10 MB: more than loopback socket buffers hold
    int received = 0;
    std::jthread bob_reads([&] {
        while (received < lines && bob->wait_for("message")) ++received;
    });
    // Alice sends in rounds and reads her acks, so she is not a slow consumer herself.
    for (int i = 0; i < lines; i += 25) {
        for (int k = i; k < i + 25; ++k) alice->send(say("general", text, "c" + std::to_string(k), k + 10));
        for (int k = 0; k < 25; ++k) ASSERT_TRUE(alice->wait_for("ack"));
    }
    bob_reads.join();
    EXPECT_EQ(received, lines) << "a slow member held the others back";
    EXPECT_EQ(slow->wait_closed(), 4000);
}

TEST_F(bad_input, a_client_that_pings_and_never_reads_is_cut_off_while_the_others_chat) {
    start();
    auto alice = member("alice"), bob = member("bob");
    ws_client flood(port());
    // Each ping asks for a pong the server must queue; a client that never
    // reads them would otherwise grow that queue without end.
    const std::string payload(120, 'p');
    const int most = 200000;  // 24 MB of pongs: far more than socket buffers and the queue's bound hold
    int sent = 0;
    while (sent < most && flood.try_ping(payload)) ++sent;
    EXPECT_LT(sent, most) << "the server kept answering pings nobody read";
    alice->send(say("general", "still here", "c-1", 5));
    const auto m = bob->wait_for("message");
    ASSERT_TRUE(m);
    EXPECT_EQ(json_field(*m, "text"), "still here");
}

TEST_F(bad_input, an_origin_outside_the_allowed_list_is_refused) {
    cfg_.net.allowed_origins = {"https://chat.example.com"};
    start();
    EXPECT_THROW(ws_client(port(), "https://evil.example.com"), boost::system::system_error);
    ws_client ok(port(), "https://chat.example.com");
    ok.send(R"({"type":"ping","id":1})");
    EXPECT_TRUE(ok.wait_for("pong"));
}

TEST_F(bad_input, connections_over_the_maximum_get_http_503) {
    cfg_.net.max_connections = 2;
    start();
    ws_client a(port()), b(port());
    try {
        ws_client c(port());
        FAIL() << "a third connection was accepted";
    } catch (const boost::system::system_error& e) {
        SUCCEED() << e.what();
    }
    a.send(R"({"type":"ping","id":1})");
    EXPECT_TRUE(a.wait_for("pong"));
}

}  // namespace
