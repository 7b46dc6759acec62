// A user hears at once of a room it was added to or taken out of, on every
// connection, whether or not it is in the room (docs/protocol.md,
// room_added and removed): invites, direct rooms other users open, rooms
// the HTTP API makes or changes. Nobody else hears of it. Real WebSocket
// clients signed in with tokens, and the API over HTTP.

#include "api_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using chatd::test::api;
using chatd::test::ask;
using chatd::test::call;
using chatd::test::json_field;
using chatd::test::ws_client;
using http = boost::beast::http::verb;

class room_pushes : public api {
protected:
    void SetUp() override { start_with_rooms(); }

    /// The types of the frames `c` gets before the pong to a ping sent now:
    /// everything the server had queued for it by then. Sent after the
    /// push reached those it was for, it tells what else got one.
    static std::vector<std::string> until_pong(ws_client& c) {
        c.send(R"({"type":"ping","id":"p"})");
        std::vector<std::string> types;
        while (auto f = c.next()) {
            if (json_field(*f, "type") == "pong") return types;
            types.push_back(json_field(*f, "type"));
        }
        types.push_back("<closed>");
        return types;
    }

    static bool has(const std::vector<std::string>& types, const std::string& type) {
        return std::find(types.begin(), types.end(), type) != types.end();
    }
};

TEST_F(room_pushes, an_invited_user_sees_the_room_on_every_connection_at_once_and_nobody_else_hears_of_it) {
    auto alice = signed_in("alice");
    auto alice_phone = signed_in("alice");
    auto bob = signed_in("bob");
    auto bob_phone = signed_in("bob");
    auto carol = signed_in("carol");
    const auto made = ask(*alice, R"({"type":"create_room","id":2,"kind":"private","topic":"Q3 plans"})", "room");
    ASSERT_EQ(json_field(made, "type"), "room") << made;
    const std::string room = json_field(made, "room");
    // Alice's other connection lists the room she made; the one that made
    // it has the reply.
    auto mine = alice_phone->wait_for("room_added");
    ASSERT_TRUE(mine);
    EXPECT_EQ(json_field(*mine, "room"), room);
    EXPECT_EQ(json_field(*mine, "role"), "owner");
    EXPECT_EQ(json_field(*mine, "by"), "alice");

    ASSERT_EQ(json_field(ask(*alice, R"({"type":"join","id":3,"room":")" + room + R"("})", "joined"), "type"), "joined");
    alice->send(R"({"type":"invite","id":4,"room":")" + room + R"(","user":"bob","client_id":"i-1"})");
    ASSERT_TRUE(alice->wait_for("ack"));
    for (auto* c : {bob.get(), bob_phone.get()}) {
        auto added = c->wait_for("room_added");
        ASSERT_TRUE(added) << "bob learns of the room without signing in again";
        EXPECT_EQ(*added, R"({"type":"room_added","room":")" + room +
                              R"(","kind":"private","topic":"Q3 plans","role":"member","by":"alice","last_seq":1})");
    }
    // What was pushed is so: bob may join.
    EXPECT_EQ(json_field(ask(*bob, R"({"type":"join","id":2,"room":")" + room + R"("})", "joined"), "type"), "joined");

    // Carol, who was not invited, got nothing, not even the room's name;
    // nor did alice's connections hear of bob's invite as a room of theirs.
    EXPECT_EQ(until_pong(*carol), std::vector<std::string>{});
    EXPECT_FALSE(has(until_pong(*alice_phone), "room_added"));
    EXPECT_FALSE(has(until_pong(*alice), "room_added"));
}

TEST_F(room_pushes, a_direct_room_another_user_opens_shows_up_for_each_of_its_users_and_no_one_else) {
    auto alice = signed_in("alice");
    auto bob = signed_in("bob");
    auto carol = signed_in("carol");
    auto dave = signed_in("dave");
    const auto opened = ask(*alice, R"({"type":"open_direct","id":2,"users":["bob","carol"]})", "room");
    ASSERT_EQ(json_field(opened, "type"), "room") << opened;
    for (auto* c : {bob.get(), carol.get()}) {
        auto added = c->wait_for("room_added");
        ASSERT_TRUE(added);
        EXPECT_EQ(json_field(*added, "room"), json_field(opened, "room"));
        EXPECT_EQ(json_field(*added, "kind"), "direct");
        EXPECT_EQ(json_field(*added, "by"), "alice");
        EXPECT_EQ(json_field(*added, "role"), "member");
    }
    EXPECT_EQ(until_pong(*dave), std::vector<std::string>{});
    // Opening the same set again makes nothing new: nobody is told again.
    ASSERT_EQ(json_field(ask(*bob, R"({"type":"open_direct","id":3,"users":["alice","carol"]})", "room"), "room"),
              json_field(opened, "room"));
    EXPECT_FALSE(has(until_pong(*alice), "room_added"));
    EXPECT_FALSE(has(until_pong(*carol), "room_added"));
}

TEST_F(room_pushes, a_room_given_up_on_one_connection_leaves_the_users_others_joined_there_or_not) {
    auto alice = signed_in("alice");
    const std::string room = json_field(ask(*alice, R"({"type":"create_room","id":2,"kind":"private"})", "room"), "room");
    ASSERT_EQ(json_field(ask(*alice, R"({"type":"join","id":3,"room":")" + room + R"("})", "joined"), "type"), "joined");
    alice->send(R"({"type":"invite","id":4,"room":")" + room + R"(","user":"bob","client_id":"i-1"})");
    ASSERT_TRUE(alice->wait_for("ack"));
    auto bob = signed_in("bob", room);
    auto bob_laptop = signed_in("bob", room);
    auto bob_phone = signed_in("bob");
    EXPECT_EQ(json_field(ask(*bob, R"({"type":"leave","id":5,"room":")" + room + R"(","forget":true})", "left"),
                         "type"),
              "left");
    for (auto* c : {bob_laptop.get(), bob_phone.get()}) {
        auto removed = c->wait_for("removed");
        ASSERT_TRUE(removed) << "the room leaves every device of bob's";
        EXPECT_EQ(*removed, R"({"type":"removed","room":")" + room + R"(","reason":"left"})");
        EXPECT_FALSE(has(until_pong(*c), "removed")) << "told twice";
    }
    // The laptop was taken out of the room; the connection that left heard nothing more.
    EXPECT_EQ(json_field(ask(*bob_laptop, R"({"type":"send","id":6,"room":")" + room +
                                              R"(","text":"hi","client_id":"b-1"})",
                             "error"),
                         "code"),
              "not_in_room");
    EXPECT_FALSE(has(until_pong(*bob), "removed"));
    EXPECT_FALSE(has(until_pong(*alice), "removed")) << "only bob hears";
}

TEST_F(room_pushes, a_join_a_token_grants_lists_the_room_on_the_users_other_connections) {
    auto alice = signed_in("alice");
    const auto made = ask(*alice, R"({"type":"create_room","id":2,"kind":"private","topic":"ops"})", "room");
    const std::string room = json_field(made, "room");
    const std::string grant = R"("rooms":{")" + room + R"(":"admin"})";
    auto bob_phone = signed_in_with("bob", grant);
    auto bob = signed_in_with("bob", grant);
    const auto welcome = ask(*bob, R"({"type":"join","id":2,"room":")" + room + R"("})", "joined");
    ASSERT_EQ(json_field(welcome, "type"), "joined") << welcome;
    auto added = bob_phone->wait_for("room_added");
    ASSERT_TRUE(added) << "bob's other connection lists the room its token let it into";
    EXPECT_EQ(*added, R"({"type":"room_added","room":")" + room +
                          R"(","kind":"private","topic":"ops","role":"admin","by":"bob","last_seq":1})");
    EXPECT_FALSE(has(until_pong(*bob), "room_added")) << "the connection that joined has `joined`";
    // A member now: joining again on the phone makes nothing new.
    ASSERT_EQ(json_field(ask(*bob_phone, R"({"type":"join","id":3,"room":")" + room + R"("})", "joined"), "type"),
              "joined");
    EXPECT_FALSE(has(until_pong(*bob), "room_added"));
    EXPECT_FALSE(has(until_pong(*alice), "room_added"));
}

TEST_F(room_pushes, rooms_the_api_makes_and_members_it_adds_or_removes_are_pushed_to_those_users_once) {
    auto bob = signed_in("bob");
    auto carol = signed_in("carol");
    const auto made = call(port(), http::post, "/api/v1/rooms",
                           R"({"kind":"private","topic":"ops","members":[{"user":"bob","role":"admin"}]})");
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string room = json_field(made.body, "room");
    auto added = bob->wait_for("room_added");
    ASSERT_TRUE(added);
    EXPECT_EQ(json_field(*added, "room"), room);
    EXPECT_EQ(json_field(*added, "role"), "admin");
    EXPECT_EQ(json_field(*added, "by"), "system");
    EXPECT_FALSE(has(until_pong(*carol), "room_added"));

    const std::string path = "/api/v1/rooms/" + room;
    ASSERT_EQ(call(port(), http::put, path + "/members/carol").status, 200);
    added = carol->wait_for("room_added");
    ASSERT_TRUE(added);
    EXPECT_EQ(json_field(*added, "room"), room);
    EXPECT_EQ(json_field(*added, "by"), "system");

    // Carol, not in the room on this connection, hears she was taken out.
    ASSERT_EQ(call(port(), http::delete_, path + "/members/carol").status, 200);
    auto removed = carol->wait_for("removed");
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, R"({"type":"removed","room":")" + room + R"(","reason":"removed"})");

    // Bob banned with one connection in the room and one not: each hears it once.
    auto bob_in = signed_in("bob", room);
    ASSERT_EQ(call(port(), http::post, path + "/bans/bob").status, 200);
    for (auto* c : {bob.get(), bob_in.get()}) {
        removed = c->wait_for("removed");
        ASSERT_TRUE(removed);
        EXPECT_EQ(json_field(*removed, "reason"), "banned");
        EXPECT_FALSE(has(until_pong(*c), "removed")) << "told twice";
    }
}

}  // namespace
