// Every server event: the JSON it produces parses back with simdjson to the
// fields that went in, with "id" echoed with its JSON type or left out.

#include "protocol/encoder.hpp"
#include "protocol/utf8.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::error_code;
using p::request_id;
using p::test::parsed;

namespace {

const request_id no_id{};
const request_id number_id{std::uint64_t{7}};
const request_id string_id{std::string("req-7")};

// The frame is valid UTF-8 JSON whose "type" is `type`.
void expect_frame(const parsed& f, const std::string& json, std::string_view type) {
    ASSERT_TRUE(f.ok()) << json;
    EXPECT_TRUE(p::is_valid_utf8(json)) << json;
    EXPECT_EQ(f.string("type"), type) << json;
}

}  // namespace

TEST(encoder, identified_carries_user_and_guest) {
    const std::string json = p::encode(p::identified_event{.id = number_id, .user = "alice", .guest = true});
    EXPECT_EQ(json, R"({"type":"identified","id":7,"user":"alice","guest":true})");
    const parsed f(json);
    expect_frame(f, json, "identified");
    EXPECT_EQ(f.uint("id"), 7U);
    EXPECT_EQ(f.string("user"), "alice");
    EXPECT_TRUE(f.boolean("guest"));
}

TEST(encoder, id_is_echoed_with_its_json_type_or_omitted) {
    const parsed with_number(p::encode(p::pong_event{.id = number_id}));
    simdjson::dom::element id;
    ASSERT_EQ(with_number.root()["id"].get(id), simdjson::SUCCESS);
    EXPECT_EQ(id.type(), simdjson::dom::element_type::INT64);
    const parsed with_string(p::encode(p::pong_event{.id = string_id}));
    EXPECT_EQ(with_string.string("id"), "req-7");
    const parsed without(p::encode(p::pong_event{.id = no_id}));
    EXPECT_FALSE(without.has("id"));
    EXPECT_EQ(p::encode(p::pong_event{.id = no_id}), R"({"type":"pong"})");
    // The largest id a client may send comes back exactly.
    const parsed largest(p::encode(p::pong_event{.id = request_id{p::max_safe_integer}}));
    EXPECT_EQ(largest.uint("id"), p::max_safe_integer);
    // A string id that looks like a number stays a string.
    const parsed numeric_string(p::encode(p::pong_event{.id = request_id{std::string("42")}}));
    EXPECT_EQ(numeric_string.string("id"), "42");
}

TEST(encoder, joined_lists_members_and_last_seq) {
    const std::vector<std::string> members{"alice", "bob", "Ren\xC3\xA9"};
    const std::string json =
        p::encode(p::joined_event{.id = string_id, .room = "general", .members = members, .last_seq = 41, .member_count = 3});
    const parsed f(json);
    expect_frame(f, json, "joined");
    EXPECT_EQ(f.string("id"), "req-7");
    EXPECT_EQ(f.string("room"), "general");
    EXPECT_EQ(f.uint("last_seq"), 41U);
    EXPECT_EQ(f.uint("member_count"), 3U);
    simdjson::dom::array arr;
    ASSERT_EQ(f.root()["members"].get_array().get(arr), simdjson::SUCCESS);
    std::vector<std::string> back;
    for (auto m : arr) back.emplace_back(std::string_view(m.get_string().value_unsafe()));
    EXPECT_EQ(back, members);
}

TEST(encoder, joined_with_no_members_has_an_empty_array) {
    EXPECT_EQ(p::encode(p::joined_event{.id = no_id, .room = "r", .members = {}, .last_seq = 0}),
              R"({"type":"joined","room":"r","members":[],"last_seq":0,"member_count":0})");
}

TEST(encoder, replay_done_reports_completeness) {
    const std::string json = p::encode(p::replay_done_event{.room = "general", .complete = false, .through = 58});
    EXPECT_EQ(json, R"({"type":"replay_done","room":"general","complete":false,"through":58})");
    const parsed f(json);
    expect_frame(f, json, "replay_done");
    EXPECT_FALSE(f.boolean("complete"));
    EXPECT_EQ(f.uint("through"), 58U);
}

TEST(encoder, left_names_the_room) {
    const std::string json = p::encode(p::left_event{.id = number_id, .room = "general"});
    EXPECT_EQ(json, R"({"type":"left","id":7,"room":"general"})");
}

TEST(encoder, message_round_trips_every_field) {
    const std::string text = "say \"hi\" \\ \n\t caf\xC3\xA9 \xF0\x9F\x98\x80 <img src=x onerror=alert(1)>";
    const std::string json = p::encode(p::message_event{.room = "general",
                                                        .seq = 42,
                                                        .from = "alice",
                                                        .text = text,
                                                        .ts = 1700000000123,
                                                        .client_id = "c-123"});
    const parsed f(json);
    expect_frame(f, json, "message");
    EXPECT_EQ(f.string("room"), "general");
    EXPECT_EQ(f.uint("seq"), 42U);
    EXPECT_EQ(f.string("from"), "alice");
    EXPECT_EQ(f.string("text"), text);
    EXPECT_EQ(f.sint("ts"), 1700000000123);
    EXPECT_EQ(f.string("client_id"), "c-123");
    EXPECT_FALSE(f.has("id"));  // a push answers no request
    EXPECT_EQ(f.size(), 7U);
}

TEST(encoder, ack_carries_seq_and_ts_of_the_stored_line) {
    const std::string json = p::encode(
        p::ack_event{.id = number_id, .room = "general", .client_id = "c-123", .seq = 42, .ts = 1700000000123});
    EXPECT_EQ(json, R"({"type":"ack","id":7,"room":"general","client_id":"c-123","seq":42,"ts":1700000000123})");
}

TEST(encoder, history_lists_messages_without_a_type) {
    const std::vector<p::message_event> lines{
        {.room = "general", .seq = 56, .from = "bob", .text = "first", .ts = 1, .client_id = "b-1"},
        {.room = "general", .seq = 57, .from = "alice", .text = "line\nbreak \"quoted\"", .ts = 2, .client_id = "a-9"},
    };
    const std::string json =
        p::encode(p::history_event{.id = number_id, .room = "general", .messages = lines, .has_more = true});
    const parsed f(json);
    expect_frame(f, json, "history");
    EXPECT_EQ(f.uint("id"), 7U);
    EXPECT_TRUE(f.boolean("has_more"));
    simdjson::dom::array arr;
    ASSERT_EQ(f.root()["messages"].get_array().get(arr), simdjson::SUCCESS);
    ASSERT_EQ(arr.size(), 2U);
    std::size_t i = 0;
    for (simdjson::dom::element m : arr) {
        EXPECT_EQ(m["type"].error(), simdjson::NO_SUCH_FIELD);
        EXPECT_EQ(std::string_view(m["room"].get_string().value_unsafe()), lines[i].room);
        EXPECT_EQ(m["seq"].get_uint64().value_unsafe(), lines[i].seq);
        EXPECT_EQ(std::string_view(m["from"].get_string().value_unsafe()), lines[i].from);
        EXPECT_EQ(std::string_view(m["text"].get_string().value_unsafe()), lines[i].text);
        EXPECT_EQ(m["ts"].get_int64().value_unsafe(), lines[i].ts);
        EXPECT_EQ(std::string_view(m["client_id"].get_string().value_unsafe()), lines[i].client_id);
        ++i;
    }
}

TEST(encoder, history_within_a_byte_cap_keeps_the_newest_lines_that_fit) {
    const std::string controls(1000, '\x01');  // 6000 bytes once escaped
    std::vector<p::message_event> lines;
    for (std::uint64_t seq = 1; seq <= 10; ++seq)
        lines.push_back({.room = "r", .seq = seq, .from = "mallory", .text = controls, .ts = 1, .client_id = "c"});
    const p::history_event all{.id = number_id, .room = "r", .messages = lines, .has_more = false};
    ASSERT_GT(p::encode(all).size(), 60000U);

    const std::string json = p::encode(all, 20000);
    EXPECT_LE(json.size(), 20000U);
    const parsed f(json);
    expect_frame(f, json, "history");
    EXPECT_TRUE(f.boolean("has_more"));  // lines were left out
    simdjson::dom::array arr;
    ASSERT_EQ(f.root()["messages"].get_array().get(arr), simdjson::SUCCESS);
    ASSERT_EQ(arr.size(), 3U);
    EXPECT_EQ(arr.at(0)["seq"].get_uint64().value_unsafe(), 8U);  // the newest three
    EXPECT_EQ(arr.at(2)["seq"].get_uint64().value_unsafe(), 10U);

    // A cap below one line still gives the newest line; a cap over all gives all.
    const parsed one(p::encode(all, 10));
    ASSERT_EQ(one.root()["messages"].get_array().get(arr), simdjson::SUCCESS);
    ASSERT_EQ(arr.size(), 1U);
    EXPECT_EQ(arr.at(0)["seq"].get_uint64().value_unsafe(), 10U);
    EXPECT_EQ(p::encode(all, 1 << 20), p::encode(all));
}

TEST(encoder, empty_history) {
    EXPECT_EQ(p::encode(p::history_event{.id = no_id, .room = "r", .messages = {}, .has_more = false}),
              R"({"type":"history","room":"r","messages":[],"has_more":false})");
}

TEST(encoder, presence_says_join_or_leave) {
    EXPECT_EQ(p::encode(p::presence_event{.room = "general", .user = "bob", .event = p::presence_kind::join}),
              R"({"type":"presence","room":"general","user":"bob","event":"join"})");
    EXPECT_EQ(p::encode(p::presence_event{.room = "general", .user = "bob", .event = p::presence_kind::leave}),
              R"({"type":"presence","room":"general","user":"bob","event":"leave"})");
}

TEST(encoder, typing_names_room_and_user) {
    EXPECT_EQ(p::encode(p::typing_event{.room = "general", .user = "bob"}),
              R"({"type":"typing","room":"general","user":"bob"})");
}

TEST(encoder, error_has_code_and_message_and_omits_an_unknown_id) {
    EXPECT_EQ(p::encode(p::error_event{.id = no_id, .code = error_code::bad_json, .message = "not JSON"}),
              R"({"type":"error","code":"bad_json","message":"not JSON"})");
    const std::string json = p::encode(
        p::error_event{.id = string_id, .code = error_code::rate_limited, .message = "slow \"down\"\n"});
    const parsed f(json);
    expect_frame(f, json, "error");
    EXPECT_EQ(f.string("id"), "req-7");
    EXPECT_EQ(f.string("code"), "rate_limited");
    EXPECT_EQ(f.string("message"), "slow \"down\"\n");
}

TEST(encoder, a_decode_error_becomes_an_error_reply) {
    const p::decode_error e{.code = error_code::missing_field, .id = number_id, .message = "\"room\" is required"};
    EXPECT_EQ(p::encode(e), R"({"type":"error","id":7,"code":"missing_field","message":"\"room\" is required"})");
}

TEST(encoder, strings_from_the_server_side_are_escaped_too) {
    // A user name from a token or a room's stored text can hold anything;
    // the frame stays valid whatever it is.
    const std::string nasty = std::string("a\0b\"c\\\x01\xE2\x80\xA8\xFF", 11);
    const std::string json = p::encode(p::presence_event{.room = nasty, .user = nasty, .event = p::presence_kind::join});
    const parsed f(json);
    expect_frame(f, json, "presence");
    EXPECT_EQ(f.string("user"), std::string("a\0b\"c\\\x01\xE2\x80\xA8\xEF\xBF\xBD", 13));
}
