// The HTTP API's request pieces: a posted line's body, path segments and
// the history query, refused with the protocol's codes.

#include "app/api_bodies.hpp"
#include "app/api_json.hpp"
#include "protocol/validate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

namespace api = chatd::app::api;

std::string code_of(const chatd::net::api_response& r) {
    const auto at = r.body.find(R"("code":")");
    if (at == std::string::npos) return "<none>";
    const auto start = at + 8;
    return r.body.substr(start, r.body.find('"', start) - start);
}

std::string refusal(std::string_view body) {
    chatd::net::api_response r;
    if (api::decode_post(body, {}, r)) return "accepted";
    EXPECT_EQ(r.status, 400u) << body;
    return code_of(r);
}

TEST(api_json, a_post_body_needs_text_and_may_give_a_client_id) {
    chatd::net::api_response r;
    auto line = api::decode_post(R"({"text":"h\u00e9","client_id":"c-1","other":[1]})", {}, r);
    ASSERT_TRUE(line);
    EXPECT_EQ(line->text, "h\xC3\xA9");
    EXPECT_EQ(line->client_id, "c-1");
    line = api::decode_post(R"({"text":"hi","client_id":null})", {}, r);
    ASSERT_TRUE(line);
    EXPECT_EQ(line->client_id, "");
}

TEST(api_json, a_bad_post_body_gets_the_code_a_websocket_send_would) {
    EXPECT_EQ(refusal(""), "bad_json");
    EXPECT_EQ(refusal("{"), "bad_json");
    EXPECT_EQ(refusal(R"("text")"), "bad_json");
    EXPECT_EQ(refusal(R"({"text":"a","text":"b"})"), "bad_json");
    EXPECT_EQ(refusal(R"({"text":null,"text":"b"})"), "bad_json");
    EXPECT_EQ(refusal("{\"text\":\"\xFF\"}"), "invalid_utf8");
    EXPECT_EQ(refusal(R"({})"), "missing_field");
    EXPECT_EQ(refusal(R"({"text":["a"]})"), "wrong_type");
    EXPECT_EQ(refusal(R"({"text":""})"), "text_empty");
    EXPECT_EQ(refusal(R"({"text":")" + std::string(4097, 'x') + R"("})"), "text_too_long");
    EXPECT_EQ(refusal(R"({"text":"a","client_id":7})"), "wrong_type");
    EXPECT_EQ(refusal(R"({"text":"a","client_id":""})"), "invalid_field");
    EXPECT_EQ(refusal(R"({"text":"a","client_id":"a/b"})"), "invalid_field");
}

TEST(api_json, a_nul_in_any_stored_field_of_a_body_is_invalid_field) {
    // No store keeps U+0000 (PostgreSQL's text cannot): refused at once, as on the WebSocket.
    EXPECT_EQ(refusal(R"({"text":"a\u0000b"})"), "invalid_field");
    EXPECT_EQ(refusal(R"({"text":"\u0000"})"), "invalid_field");
    const auto create_refusal = [](std::string_view body) {
        chatd::net::api_response r;
        if (api::decode_create(body, r)) return std::string("accepted");
        return code_of(r);
    };
    EXPECT_EQ(create_refusal(R"({"kind":"public","room":"a\u0000"})"), "invalid_field");
    EXPECT_EQ(create_refusal(R"({"kind":"private","topic":"a\u0000"})"), "invalid_field");
    EXPECT_EQ(create_refusal(R"({"kind":"private","members":[{"user":"bob\u0000"}]})"), "invalid_field");
    EXPECT_EQ(create_refusal(R"({"kind":"direct","users":["ann","\u0000"]})"), "invalid_field");
    chatd::net::api_response r;
    EXPECT_FALSE(api::decode_change(R"({"client_id":"c\u0000"})", r));
    EXPECT_EQ(code_of(r), "invalid_field");
    EXPECT_FALSE(api::decode_topic(R"({"topic":"a\u0000b"})", r));
    EXPECT_EQ(code_of(r), "invalid_field");
    // Names in the path are checked as names, so "%00" is no room or user.
    const auto name = api::percent_decode("gen%00eral");
    ASSERT_TRUE(name);
    EXPECT_FALSE(chatd::protocol::is_valid_room_name(*name));
    EXPECT_FALSE(chatd::protocol::is_valid_user_id(*api::percent_decode("bob%00")));
}

TEST(api_json, path_segments_are_percent_decoded) {
    EXPECT_EQ(api::percent_decode("dr%20who"), "dr who");
    EXPECT_EQ(api::percent_decode("guest%3aalice"), "guest:alice");
    EXPECT_EQ(api::percent_decode("plain"), "plain");
    EXPECT_FALSE(api::percent_decode("bad%2"));
    EXPECT_FALSE(api::percent_decode("bad%zz"));
    EXPECT_FALSE(api::percent_decode("%"));
}

TEST(api_json, the_history_query_pages_as_the_websocket_history) {
    chatd::net::api_response r;
    auto q = api::decode_history_query("", r);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->before);
    EXPECT_EQ(q->limit, 50u);
    q = api::decode_history_query("before=58&limit=2&x=y", r);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->before, 58u);
    EXPECT_EQ(q->limit, 2u);
    for (const char* bad : {"limit=0", "limit=101", "limit=", "before=-1", "before=1e3", "before=9007199254740992"}) {
        EXPECT_FALSE(api::decode_history_query(bad, r)) << bad;
        EXPECT_EQ(code_of(r), "invalid_field") << bad;
    }
}

}  // namespace
