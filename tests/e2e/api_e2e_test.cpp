// The HTTP API from outside: a real HTTP client over a socket, with real
// WebSocket clients watching what it does (docs/api.md).

#include "api_client.hpp"
#include "run_chatd.hpp"

#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

using chatd::test::api;
using chatd::test::call;
using chatd::test::json_field;
using chatd::test::key;
using chatd::test::messages_of;
using chatd::test::run_chatd;
using chatd::test::ws_client;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

TEST_F(api, without_a_key_file_every_api_path_is_404) {
    start();
    for (const auto& [method, target] : {std::pair{http::verb::get, messages_of("general")},
                                         std::pair{http::verb::post, messages_of("general")},
                                         std::pair{http::verb::delete_, std::string("/api/v1/users/bob/connections")},
                                         std::pair{http::verb::get, std::string("/api/")}}) {
        const auto r = call(port(), method, target, method == http::verb::post ? R"({"text":"hi"})" : "");
        EXPECT_EQ(r.status, 404) << target;
        EXPECT_EQ(r.code(), "not_found") << r.body;
    }
}

TEST_F(api, a_missing_or_wrong_key_is_401_and_tells_nothing_else) {
    start_with_key();
    for (const std::string& auth : {std::string(), "Bearer " + key + "x", std::string("Bearer "), "Basic " + key, key}) {
        for (const auto& target : {messages_of("general"), std::string("/api/v1/no/such/path")}) {
            const auto r = call(port(), http::verb::get, target, {}, auth);
            EXPECT_EQ(r.status, 401) << "'" << auth << "' " << target;
            EXPECT_EQ(r.code(), "auth_failed");
            EXPECT_EQ(r.headers[http::field::www_authenticate].substr(0, 6), "Bearer");
        }
    }
    EXPECT_EQ(call(port(), http::verb::get, messages_of("general")).status, 200);
    const auto [status, metrics] = chatd::test::http_get(port(), "/metrics");
    EXPECT_NE(metrics.find(R"(chatd_api_requests_total{status="401"} 10)"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find(R"(chatd_api_requests_total{status="200"} 1)"), std::string::npos) << metrics;
}

TEST_F(api, bad_requests_get_400_404_and_405_with_the_protocol_codes) {
    start_with_key();
    const auto post = [&](const std::string& body) { return call(port(), http::verb::post, messages_of("general"), body); };
    EXPECT_EQ(post("{not json").code(), "bad_json");
    EXPECT_EQ(post("{not json").status, 400);
    EXPECT_EQ(post(R"(["text"])").code(), "bad_json");
    EXPECT_EQ(post(R"({"text":"a","text":"b"})").code(), "bad_json");
    EXPECT_EQ(post(R"({"client_id":"c"})").code(), "missing_field");
    EXPECT_EQ(post(R"({"text":5})").code(), "wrong_type");
    EXPECT_EQ(post(R"({"text":""})").code(), "text_empty");
    EXPECT_EQ(post(R"({"text":")" + std::string(4097, 'x') + R"("})").code(), "text_too_long");
    EXPECT_EQ(post(R"({"text":"hi","client_id":"no spaces"})").code(), "invalid_field");
    EXPECT_EQ(post(R"({"text":"a\u0000b"})").code(), "invalid_field");  // no store keeps U+0000
    EXPECT_EQ(post(R"({"text":"a\u0000b"})").status, 400);
    EXPECT_EQ(call(port(), http::verb::post, messages_of(".hidden"), R"({"text":"hi"})").code(), "invalid_field");
    EXPECT_EQ(call(port(), http::verb::get, messages_of("general") + "?limit=101").code(), "invalid_field");
    EXPECT_EQ(call(port(), http::verb::get, messages_of("general") + "?before=x").code(), "invalid_field");

    EXPECT_EQ(call(port(), http::verb::delete_, "/api/v1/users/%20bob/connections").code(), "invalid_field");
    EXPECT_EQ(call(port(), http::verb::delete_, "/api/v1/users/bad%zz/connections").code(), "invalid_field");
    // A server-assigned name is never made by a post.
    const auto unmade = call(port(), http::verb::post, messages_of("!abc234"), R"({"text":"hi"})");
    EXPECT_EQ(unmade.status, 404);
    EXPECT_EQ(unmade.code(), "not_found");

    const auto missing = call(port(), http::verb::get, "/api/v1/rooms/general/members");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.code(), "not_found");

    const auto wrong = call(port(), http::verb::put, messages_of("general"), R"({"text":"hi"})");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_EQ(wrong.headers[http::field::allow], "GET, POST");
    EXPECT_EQ(call(port(), http::verb::get, "/api/v1/users/bob/connections").headers[http::field::allow], "DELETE");
}

TEST_F(api, a_body_over_the_limit_is_413) {
    start_with_key();
    // The header alone says it: the server refuses before reading the body.
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::resolver(ioc).resolve("127.0.0.1", std::to_string(port())));
    const std::string head = "POST " + messages_of("general") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                             key + "\r\nContent-Length: " + std::to_string(cfg_.net.api_body_limit + 1) + "\r\n\r\n";
    boost::asio::write(stream, boost::asio::buffer(head));
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    EXPECT_EQ(res.result_int(), 413);
    EXPECT_EQ(json_field(json_field(res.body(), "error"), "code"), "frame_too_large");
    // A body just under the limit is read (and refused for what it says).
    const auto r = call(port(), http::verb::post, messages_of("general"),
                        R"({"text":")" + std::string(cfg_.net.api_body_limit - 20, 'x') + R"("})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.code(), "text_too_long");
}

TEST_F(api, requests_over_the_keys_rate_get_429_with_retry_after) {
    cfg_.api.rate_burst = 3;
    cfg_.api.rate_per_second = 0;  // no refill: the test does not depend on time
    start_with_key();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(call(port(), http::verb::get, messages_of("general")).status, 200);
    const auto r = call(port(), http::verb::get, messages_of("general"));
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(r.code(), "rate_limited");
    EXPECT_FALSE(r.headers[http::field::retry_after].empty());
}

TEST_F(api, a_posted_line_reaches_members_live_and_is_in_history) {
    start_with_key();
    auto alice = member("alice");
    const auto r = call(port(), http::verb::post, messages_of("general"), R"({"text":"deploy at 5","client_id":"d-1"})");
    ASSERT_EQ(r.status, 201) << r.body;
    const auto seq = json_field(r.body, "seq");
    auto live = alice->wait_for("message");
    ASSERT_TRUE(live);
    EXPECT_EQ(json_field(*live, "from"), "system");
    EXPECT_EQ(json_field(*live, "text"), "deploy at 5");
    EXPECT_EQ(json_field(*live, "seq"), seq);
    EXPECT_EQ(json_field(*live, "ts"), json_field(r.body, "ts"));

    const auto h = call(port(), http::verb::get, messages_of("general") + "?limit=10");
    ASSERT_EQ(h.status, 200);
    EXPECT_NE(h.body.find(R"("seq":)" + seq + R"(,"from":"system","text":"deploy at 5")"), std::string::npos) << h.body;

    // A room nobody is in: posted, and there when someone reads it.
    EXPECT_EQ(call(port(), http::verb::post, messages_of("empty"), R"({"text":"first"})").status, 201);
    EXPECT_NE(call(port(), http::verb::get, messages_of("empty")).body.find(R"("text":"first")"), std::string::npos);
}

TEST_F(api, the_same_client_id_twice_gives_the_same_seq_and_one_line) {
    start_with_key();
    auto alice = member("alice");
    const auto first = call(port(), http::verb::post, messages_of("general"), R"({"text":"once","client_id":"r-1"})");
    const auto again = call(port(), http::verb::post, messages_of("general"), R"({"text":"once","client_id":"r-1"})");
    ASSERT_EQ(first.status, 201);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(json_field(again.body, "seq"), json_field(first.body, "seq"));
    EXPECT_EQ(json_field(again.body, "duplicate"), "true");
    const auto h = call(port(), http::verb::get, messages_of("general"));
    EXPECT_EQ(h.body.find(R"("text":"once")"), h.body.rfind(R"("text":"once")"));
    EXPECT_NE(h.body.find(R"("text":"once")"), std::string::npos);
    // Alice saw it once: the next message she gets is the one after it.
    ASSERT_TRUE(alice->wait_for("message"));
    call(port(), http::verb::post, messages_of("general"), R"({"text":"next"})");
    auto m = alice->wait_for("message");
    ASSERT_TRUE(m);
    EXPECT_EQ(json_field(*m, "text"), "next");
}

TEST_F(api, disconnect_closes_every_connection_of_the_user_with_4003_and_no_other) {
    start_with_key();
    auto bob_phone = member("bob");
    auto bob_laptop = member("bob", "other");
    auto carol = member("carol");
    const auto r = call(port(), http::verb::delete_, "/api/v1/users/bob/connections");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json_field(r.body, "closed"), "2");
    EXPECT_EQ(bob_phone->wait_closed(), 4003);
    EXPECT_EQ(bob_laptop->wait_closed(), 4003);
    carol->send(R"({"type":"ping","id":9})");
    EXPECT_TRUE(carol->wait_for("pong"));
    // Nobody left to close; a name with an escaped character is decoded.
    EXPECT_EQ(json_field(call(port(), http::verb::delete_, "/api/v1/users/bob/connections").body, "closed"), "0");
    ws_client guest(port());
    guest.identify("dr who");
    EXPECT_EQ(json_field(call(port(), http::verb::delete_, "/api/v1/users/dr%20who/connections").body, "closed"), "1");
    EXPECT_EQ(guest.wait_closed(), 4003);
}

TEST_F(api, a_key_file_that_cannot_be_used_stops_the_start_with_exit_1) {
    std::ofstream(dir_ / "empty") << "# no key yet\n\n";
    std::ofstream(dir_ / "short") << "too-short\n";
    for (const auto& [file, why] : {std::pair{dir_ / "missing", std::string("cannot be opened")},
                                    std::pair{dir_ / "empty", std::string("no key in it")},
                                    std::pair{dir_ / "short", std::string("line 1: a key must be at least 32 bytes")}}) {
        const auto [code, printed] = run_chatd({"--bind", "127.0.0.1", "--port", "0", "--db",
                                                (dir_ / "chat.db").string(), "--api-key-file", file.string()});
        EXPECT_EQ(code, 1) << printed;
        EXPECT_NE(printed.find("--api-key-file " + file.string() + ": " + why), std::string::npos) << printed;
    }
}

}  // namespace
