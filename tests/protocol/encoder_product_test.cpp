// The frames of rooms with kinds, roles and a log of events: each new reply
// and push, exactly, and the optional fields of joined, identified and
// message, which are left out when unset so that the frames of version 1
// stay byte for byte the same.

#include "protocol/encoder.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::request_id;

namespace {

const request_id no_id{};
const request_id number_id{std::uint64_t{7}};

// Parses back (so every exact frame below is also valid JSON) and returns it.
std::string checked(std::string json) {
    const p::test::parsed f(json);
    EXPECT_TRUE(f.ok()) << json;
    return json;
}

}  // namespace

TEST(encoder_product, identified_lists_rooms_only_when_set) {
    EXPECT_EQ(p::encode(p::identified_event{.id = number_id, .user = "alice", .guest = false}),
              R"({"type":"identified","id":7,"user":"alice","guest":false})");
    EXPECT_EQ(p::encode(p::identified_event{.id = number_id, .user = "alice", .guest = false,
                                            .rooms = std::span<const p::room_summary>{}}),
              R"({"type":"identified","id":7,"user":"alice","guest":false,"rooms":[]})");
    const std::vector<p::room_summary> rooms{
        {.room = "general", .kind = p::room_kind::public_room, .topic = "", .last_seq = 58, .read = 50,
         .unread = 6, .mentions = 1},
        {.room = "!dm2", .kind = p::room_kind::direct, .topic = "us", .last_seq = 3, .read = 3, .unread = 0,
         .mentions = 0},
    };
    EXPECT_EQ(checked(p::encode(p::identified_event{.id = number_id, .user = "alice", .guest = false, .rooms = rooms})),
              R"({"type":"identified","id":7,"user":"alice","guest":false,"rooms":[)"
              R"({"room":"general","kind":"public","topic":"","last_seq":58,"read":50,"unread":6,"mentions":1},)"
              R"({"room":"!dm2","kind":"direct","topic":"us","last_seq":3,"read":3,"unread":0,"mentions":0}]})");
}

TEST(encoder_product, joined_adds_what_is_set_after_the_version_1_fields) {
    const std::vector<std::string> members{"alice"};
    p::joined_event e{.id = number_id, .room = "!priv", .members = members, .last_seq = 43, .member_count = 1};
    EXPECT_EQ(p::encode(e), R"({"type":"joined","id":7,"room":"!priv","members":["alice"],"last_seq":43,"member_count":1})");
    e.kind = p::room_kind::private_room;
    e.topic = "plans";
    e.role = p::member_role::owner;
    e.read = 40;
    e.unread = 2;
    e.mentions = 0;
    EXPECT_EQ(checked(p::encode(e)),
              R"({"type":"joined","id":7,"room":"!priv","members":["alice"],"last_seq":43,"member_count":1,)"
              R"("kind":"private","topic":"plans","role":"owner","read":40,"unread":2,"mentions":0})");
    // A public room the user is not a member of: no role.
    e.role.reset();
    e.kind = p::room_kind::public_room;
    e.topic = "";
    EXPECT_EQ(p::encode(e),
              R"({"type":"joined","id":7,"room":"!priv","members":["alice"],"last_seq":43,"member_count":1,)"
              R"("kind":"public","topic":"","read":40,"unread":2,"mentions":0})");
}

TEST(encoder_product, room_reply_lists_members_with_roles) {
    const std::vector<p::member_entry> members{{.user = "alice", .role = p::member_role::owner},
                                               {.user = "bob", .role = p::member_role::member}};
    EXPECT_EQ(checked(p::encode(p::room_event{.id = number_id, .room = "!k3x", .kind = p::room_kind::private_room,
                                              .topic = "plans", .role = p::member_role::owner,
                                              .members = members})),
              R"({"type":"room","id":7,"room":"!k3x","kind":"private","topic":"plans","role":"owner","members":[)"
              R"({"user":"alice","role":"owner"},{"user":"bob","role":"member"}]})");
}

TEST(encoder_product, members_reply_marks_the_muted) {
    const std::vector<p::member_entry> members{
        {.user = "alice", .role = p::member_role::admin},
        {.user = "bob", .role = p::member_role::member, .muted = true, .muted_until = 1700000000000},
        {.user = "guest:eve", .role = p::member_role::member, .muted = true},  // no end
    };
    EXPECT_EQ(checked(p::encode(p::members_event{.id = number_id, .room = "general", .members = members})),
              R"({"type":"members","id":7,"room":"general","members":[{"user":"alice","role":"admin"},)"
              R"({"user":"bob","role":"member","muted":true,"muted_until":1700000000000},)"
              R"({"user":"guest:eve","role":"member","muted":true}]})");
    EXPECT_EQ(p::encode(p::members_event{.id = no_id, .room = "r", .members = {}}),
              R"({"type":"members","room":"r","members":[]})");
}

TEST(encoder_product, read_ok_and_marker) {
    EXPECT_EQ(p::encode(p::read_ok_event{.id = number_id, .room = "general", .seq = 58, .unread = 2, .mentions = 1}),
              R"({"type":"read_ok","id":7,"room":"general","seq":58,"unread":2,"mentions":1})");
    EXPECT_EQ(p::encode(p::marker_event{.room = "general", .seq = 58, .unread = 2, .mentions = 1}),
              R"({"type":"marker","room":"general","seq":58,"unread":2,"mentions":1})");
}

TEST(encoder_product, removed_says_why) {
    EXPECT_EQ(p::encode(p::removed_event{.room = "!k3x", .reason = p::removal_reason::removed}),
              R"({"type":"removed","room":"!k3x","reason":"removed"})");
    EXPECT_EQ(p::encode(p::removed_event{.room = "general", .reason = p::removal_reason::banned}),
              R"({"type":"removed","room":"general","reason":"banned"})");
    EXPECT_EQ(p::encode(p::removed_event{.room = "!k3x", .reason = p::removal_reason::left}),
              R"({"type":"removed","room":"!k3x","reason":"left"})");
}

TEST(encoder_product, a_plain_line_is_the_version_1_message) {
    EXPECT_EQ(p::encode(p::message_event{.room = "general", .seq = 44, .from = "alice", .text = "hi",
                                         .ts = 1700000000123, .client_id = "c-123"}),
              R"({"type":"message","room":"general","seq":44,"from":"alice","text":"hi","ts":1700000000123,)"
              R"("client_id":"c-123"})");
}

TEST(encoder_product, a_line_may_be_edited_deleted_and_reacted_to) {
    const std::vector<std::string> thumbs{"bob", "carol"};
    const std::vector<std::string> party{"alice"};
    const std::vector<p::reaction> reactions{{.emoji = "\xF0\x9F\x91\x8D", .users = thumbs},
                                             {.emoji = ":tada:", .users = party}};
    EXPECT_EQ(checked(p::encode(p::message_event{.room = "general", .seq = 44, .from = "alice", .text = "hi!",
                                                 .ts = 1, .client_id = "c-1", .edited = true,
                                                 .reactions = reactions})),
              R"({"type":"message","room":"general","seq":44,"from":"alice","text":"hi!","ts":1,"client_id":"c-1",)"
              R"("edited":true,"reactions":[{"emoji":")" "\xF0\x9F\x91\x8D" R"(","users":["bob","carol"]},)"
              R"({"emoji":":tada:","users":["alice"]}]})");
    EXPECT_EQ(p::encode(p::message_event{.room = "general", .seq = 44, .from = "alice", .text = "", .ts = 1,
                                         .client_id = "c-1", .edited = true, .deleted = true}),
              R"({"type":"message","room":"general","seq":44,"from":"alice","text":"","ts":1,"client_id":"c-1",)"
              R"("edited":true,"deleted":true})");
}

TEST(encoder_product, other_kinds_are_event_frames_with_their_fields) {
    const p::message_event base{.room = "general", .seq = 45, .from = "alice", .ts = 2, .client_id = "c-2"};
    const std::string head = R"({"type":"event","room":"general","seq":45,"kind":")";
    const std::string common = R"(","from":"alice","ts":2,"client_id":"c-2")";

    auto e = base;
    e.kind = p::event_kind::edit;
    e.target = 44;
    e.text = "hi!";
    EXPECT_EQ(p::encode(e), head + "edit" + common + R"(,"target":44,"text":"hi!"})");

    e = base;
    e.kind = p::event_kind::delete_line;
    e.target = 44;
    e.text = "ignored";
    EXPECT_EQ(p::encode(e), head + "delete" + common + R"(,"target":44})");

    e = base;
    e.kind = p::event_kind::react;
    e.target = 44;
    e.text = "+1";
    EXPECT_EQ(p::encode(e), head + "react" + common + R"(,"target":44,"text":"+1"})");
    e.kind = p::event_kind::unreact;
    EXPECT_EQ(p::encode(e), head + "unreact" + common + R"(,"target":44,"text":"+1"})");

    e = base;
    e.kind = p::event_kind::topic;
    e.text = "";
    EXPECT_EQ(p::encode(e), head + "topic" + common + R"(,"text":""})");  // a cleared topic

    e = base;
    e.kind = p::event_kind::member;
    e.user = "bob";
    e.action = p::member_action::ban;
    e.until = 1700000000000;
    EXPECT_EQ(p::encode(e), head + "member" + common + R"(,"user":"bob","action":"ban","until":1700000000000})");
    e.until = 0;  // forever
    EXPECT_EQ(p::encode(e), head + "member" + common + R"(,"user":"bob","action":"ban"})");
    e.action = p::member_action::role;
    e.role = p::member_role::admin;
    EXPECT_EQ(p::encode(e), head + "member" + common + R"(,"user":"bob","action":"role","role":"admin"})");
    for (const auto a : {p::member_action::join, p::member_action::leave, p::member_action::invite,
                         p::member_action::remove, p::member_action::unban, p::member_action::mute,
                         p::member_action::unmute}) {
        e.action = a;
        e.role.reset();
        const p::test::parsed f(p::encode(e));
        EXPECT_EQ(f.string("action"), p::to_string(a));
    }
}

TEST(encoder_product, history_holds_lines_and_events_in_seq_order) {
    std::vector<p::message_event> entries{
        {.room = "r", .seq = 1, .from = "alice", .text = "hi!", .ts = 1, .client_id = "a", .edited = true},
        {.room = "r", .seq = 2, .from = "alice", .text = "hi!", .ts = 2, .client_id = "b"},
    };
    entries[1].kind = p::event_kind::edit;
    entries[1].target = 1;
    EXPECT_EQ(checked(p::encode(p::history_event{.id = number_id, .room = "r", .messages = entries, .has_more = false})),
              R"({"type":"history","id":7,"room":"r","messages":[)"
              R"({"room":"r","seq":1,"from":"alice","text":"hi!","ts":1,"client_id":"a","edited":true},)"
              R"({"room":"r","seq":2,"kind":"edit","from":"alice","ts":2,"client_id":"b","target":1,"text":"hi!"}],)"
              R"("has_more":false})");
    // The byte cap counts events as it counts lines.
    const std::string all = p::encode(p::history_event{.id = number_id, .room = "r", .messages = entries});
    const std::string capped =
        p::encode(p::history_event{.id = number_id, .room = "r", .messages = entries}, all.size() - 1);
    const p::test::parsed f(capped);
    EXPECT_TRUE(f.boolean("has_more"));
    simdjson::dom::array arr;
    ASSERT_EQ(f.root()["messages"].get_array().get(arr), simdjson::SUCCESS);
    ASSERT_EQ(arr.size(), 1U);
    EXPECT_EQ(std::string_view(arr.at(0)["kind"].get_string().value_unsafe()), "edit");
    EXPECT_EQ(p::encode(p::history_event{.id = number_id, .room = "r", .messages = entries}, all.size()), all);
}
