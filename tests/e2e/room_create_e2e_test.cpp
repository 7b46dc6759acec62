// create_room of a public name that is already running: readers joined it
// before anything was stored (a public room has no stored row until its
// first event or read marker), so storage lets the name be created. The
// creator must then be the owner in the running room too, not only after
// the room restarts; and a private room can never take such a name (the
// server names private rooms). Real WebSocket clients, and the HTTP API.

#include "api_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace {

using chatd::test::api;
using chatd::test::ask;
using chatd::test::call;
using chatd::test::json_field;
using http = boost::beast::http::verb;

class room_create : public api {
protected:
    void SetUp() override { start_with_rooms(); }
};

TEST_F(room_create, creating_a_public_room_readers_joined_before_anything_was_stored_makes_its_owner_one_there_at_once) {
    auto bob = signed_in("bob", "plans");  // the room runs, with nothing stored
    EXPECT_EQ(call(port(), http::get, "/api/v1/rooms/plans").status, 404) << "nothing is stored for it yet";

    auto alice = signed_in("alice");
    const auto made =
        ask(*alice, R"({"type":"create_room","id":2,"kind":"public","room":"plans","topic":"Q3 plans"})", "room");
    ASSERT_EQ(json_field(made, "type"), "room") << made;
    EXPECT_EQ(json_field(made, "role"), "owner");
    // The running room says what create_room said.
    const auto joined = ask(*alice, R"({"type":"join","id":3,"room":"plans"})", "joined");
    EXPECT_EQ(json_field(joined, "role"), "owner") << joined;
    EXPECT_EQ(json_field(joined, "topic"), "Q3 plans") << joined;
    // And lets her act as its owner now, not after the room restarts.
    const auto topic = ask(
        *alice, R"({"type":"set_topic","id":4,"room":"plans","topic":"Q4 plans","client_id":"t-1"})", "ack");
    EXPECT_EQ(json_field(topic, "type"), "ack") << topic;
    const auto invited =
        ask(*alice, R"({"type":"invite","id":5,"room":"plans","user":"carol","client_id":"i-1"})", "ack");
    EXPECT_EQ(json_field(invited, "type"), "ack") << invited;
    // The room stays public: bob, who joined first, reads and sends as before.
    auto event = bob->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "text"), "Q4 plans");
    EXPECT_EQ(json_field(ask(*bob, R"({"type":"send","id":3,"room":"plans","text":"hi","client_id":"b-1"})", "ack"),
                         "type"),
              "ack");
    // The name is taken now, and a private room can never name a room.
    EXPECT_EQ(json_field(ask(*alice, R"({"type":"create_room","id":6,"kind":"public","room":"plans"})", "room"),
                         "code"),
              "room_exists");
    EXPECT_EQ(json_field(ask(*alice, R"({"type":"create_room","id":7,"kind":"private","room":"plans"})", "room"),
                         "code"),
              "invalid_field");
}

TEST_F(room_create, a_public_room_the_api_creates_under_its_readers_has_the_members_it_named_there_at_once) {
    auto bob = signed_in("bob", "town");
    const auto made = call(port(), http::post, "/api/v1/rooms",
                           R"({"kind":"public","room":"town","members":[{"user":"alice","role":"admin"}]})");
    ASSERT_EQ(made.status, 201) << made.body;
    auto alice = signed_in("alice", "town");
    const auto invited =
        ask(*alice, R"({"type":"invite","id":3,"room":"town","user":"carol","client_id":"i-1"})", "ack");
    EXPECT_EQ(json_field(invited, "type"), "ack") << "alice is an admin in the running room: " << invited;
}

}  // namespace
