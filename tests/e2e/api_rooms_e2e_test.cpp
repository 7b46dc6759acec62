// The HTTP API's rooms from outside (docs/api.md): creating, listing and
// reading rooms, and changing members, bans, mutes and lines as the app,
// with real WebSocket clients seeing each change as a member's.

#include "api_client.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using chatd::test::api;
using chatd::test::call;
using chatd::test::json_field;
using chatd::test::messages_of;
using http = boost::beast::http::verb;

const std::string rooms = "/api/v1/rooms";

std::string room_path(const std::string& room) { return rooms + "/" + room; }

TEST_F(api, creating_a_room_of_each_kind_answers_201_with_the_room_and_a_taken_name_409) {
    start_with_rooms();
    const auto pub = call(port(), http::post, rooms,
                          R"({"kind":"public","room":"plans","topic":"Q3","members":[{"user":"bob"},{"user":"alice","role":"owner"}]})");
    ASSERT_EQ(pub.status, 201) << pub.body;
    EXPECT_EQ(json_field(pub.body, "room"), "plans");
    EXPECT_EQ(json_field(pub.body, "kind"), "public");
    EXPECT_EQ(json_field(pub.body, "topic"), "Q3");
    EXPECT_EQ(json_field(pub.body, "created_by"), "system");
    // "system" made it but is not a member.
    EXPECT_EQ(json_field(pub.body, "members"), R"([{"user":"alice","role":"owner"},{"user":"bob","role":"member"}])");
    const auto again = call(port(), http::post, rooms, R"({"kind":"public","room":"plans"})");
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.code(), "room_exists");

    const auto priv = call(port(), http::post, rooms, R"({"kind":"private","members":[{"user":"carol","role":"admin"}]})");
    ASSERT_EQ(priv.status, 201) << priv.body;
    const std::string name = json_field(priv.body, "room");
    EXPECT_EQ(name.size(), 21U);
    EXPECT_EQ(name[0], '!');
    EXPECT_EQ(json_field(priv.body, "members"), R"([{"user":"carol","role":"admin"}])");

    const auto direct = call(port(), http::post, rooms, R"({"kind":"direct","users":["erin","dave"]})");
    ASSERT_EQ(direct.status, 201) << direct.body;
    EXPECT_EQ(json_field(direct.body, "members"), R"([{"user":"dave","role":"member"},{"user":"erin","role":"member"}])");
    // The same set of users, in any order: the same room, as it is.
    const auto same = call(port(), http::post, rooms, R"({"kind":"direct","users":["dave","erin"]})");
    EXPECT_EQ(same.status, 200);
    EXPECT_EQ(json_field(same.body, "room"), json_field(direct.body, "room"));

    // GET answers what POST made.
    const auto got = call(port(), http::get, room_path(name));
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(json_field(got.body, "kind"), "private");
    EXPECT_EQ(json_field(got.body, "last_seq"), "0");
    EXPECT_EQ(json_field(got.body, "members"), R"([{"user":"carol","role":"admin"}])");
    EXPECT_EQ(json_field(got.body, "banned"), "[]");
    const auto none = call(port(), http::get, room_path("!nosuchroom2345"));
    EXPECT_EQ(none.status, 404);
    EXPECT_EQ(none.code(), "not_found");
    EXPECT_EQ(call(port(), http::get, room_path("nobody-made-this")).status, 404);
}

TEST_F(api, a_bad_room_to_create_is_400_and_a_guest_where_guests_may_not_be_403) {
    start_with_rooms();
    const auto create = [&](const std::string& body) { return call(port(), http::post, rooms, body); };
    EXPECT_EQ(create("{").code(), "bad_json");
    EXPECT_EQ(create(R"({"room":"x"})").code(), "missing_field");
    EXPECT_EQ(create(R"({"kind":"secret"})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"public"})").code(), "missing_field");
    EXPECT_EQ(create(R"({"kind":"public","room":"!abc"})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"private","room":"mine"})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"direct","users":["alice"]})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"direct","users":["alice","alice"]})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"private","members":[{"user":"a","role":"king"}]})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"private","members":[{"role":"admin"}]})").code(), "missing_field");
    EXPECT_EQ(create(R"({"kind":"private","members":"bob"})").code(), "wrong_type");
    EXPECT_EQ(create(R"({"kind":"public","room":"t","topic":"two\nlines"})").code(), "invalid_field");
    EXPECT_EQ(create(R"({"kind":"public","room":"t","topic":"two\nlines"})").status, 400);
    const auto guest = create(R"({"kind":"private","members":[{"user":"guest:eve"}]})");
    EXPECT_EQ(guest.status, 403);
    EXPECT_EQ(guest.code(), "forbidden");
    EXPECT_EQ(create(R"({"kind":"public","room":"g","members":[{"user":"guest:eve","role":"admin"}]})").status, 403);
    EXPECT_EQ(create(R"({"kind":"direct","users":["alice","guest:eve"]})").status, 403);
    // None of them made a room.
    EXPECT_EQ(json_field(call(port(), http::get, rooms).body, "rooms"), "[]");
    EXPECT_EQ(call(port(), http::delete_, rooms).status, 405);
}

TEST_F(api, the_room_list_pages_by_name_and_filters_by_kind) {
    start_with_rooms();
    for (const char* name : {"c-room", "a-room", "b-room"})
        ASSERT_EQ(call(port(), http::post, rooms, std::string(R"({"kind":"public","room":")") + name + R"("})").status,
                  201);
    const auto priv = call(port(), http::post, rooms, R"({"kind":"private","members":[{"user":"alice"}]})");
    const auto first = call(port(), http::get, rooms + "?limit=2");
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(json_field(first.body, "has_more"), "true");
    // '!' sorts before letters: the private room comes first.
    EXPECT_NE(first.body.find(R"({"room":")" + json_field(priv.body, "room") + R"(","kind":"private")"),
              std::string::npos) << first.body;
    EXPECT_NE(first.body.find(R"("room":"a-room")"), std::string::npos);
    const auto next = call(port(), http::get, rooms + "?limit=2&after=a-room");
    EXPECT_EQ(json_field(next.body, "has_more"), "false");
    EXPECT_NE(next.body.find(R"("room":"b-room")"), std::string::npos);
    EXPECT_NE(next.body.find(R"("room":"c-room")"), std::string::npos);
    const auto privates = call(port(), http::get, rooms + "?kind=private");
    EXPECT_EQ(privates.body.find("-room"), std::string::npos) << privates.body;
    EXPECT_NE(privates.body.find(json_field(priv.body, "room")), std::string::npos);
    EXPECT_EQ(call(port(), http::get, rooms + "?limit=0").code(), "invalid_field");
    EXPECT_EQ(call(port(), http::get, rooms + "?kind=open").code(), "invalid_field");
}

TEST_F(api, adding_a_member_lets_it_into_a_private_room_and_removing_it_unsubscribes_it) {
    start_with_rooms();
    const auto made = call(port(), http::post, rooms, R"({"kind":"private","members":[{"user":"alice","role":"owner"}]})");
    const std::string room = json_field(made.body, "room");
    auto alice = signed_in("alice", room);

    const auto added = call(port(), http::put, room_path(room) + "/members/bob", R"({"client_id":"add-bob"})");
    ASSERT_EQ(added.status, 200) << added.body;
    EXPECT_EQ(json_field(added.body, "changed"), "true");
    EXPECT_EQ(json_field(added.body, "role"), "member");
    // Alice hears it as she would hear an admin's invite.
    auto event = alice->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "from"), "system");
    EXPECT_EQ(json_field(*event, "action"), "invite");
    EXPECT_EQ(json_field(*event, "user"), "bob");
    EXPECT_EQ(json_field(*event, "seq"), json_field(added.body, "seq"));
    EXPECT_EQ(json_field(*event, "client_id"), "add-bob");

    auto bob = signed_in("bob", room);  // now he may
    // Adding a member again changes nothing; with another role it sets the role.
    EXPECT_EQ(json_field(call(port(), http::put, room_path(room) + "/members/bob").body, "changed"), "false");
    const auto admin = call(port(), http::put, room_path(room) + "/members/bob", R"({"role":"admin"})");
    EXPECT_EQ(json_field(admin.body, "changed"), "true");
    event = alice->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "action"), "role");
    EXPECT_EQ(json_field(*event, "role"), "admin");
    EXPECT_NE(call(port(), http::get, room_path(room)).body.find(R"({"user":"bob","role":"admin"})"), std::string::npos);

    // The app is above every role: it removes the owner too.
    const auto removed = call(port(), http::delete_, room_path(room) + "/members/alice");
    ASSERT_EQ(removed.status, 200) << removed.body;
    auto gone = alice->wait_for("removed");
    ASSERT_TRUE(gone);
    EXPECT_EQ(json_field(*gone, "reason"), "removed");
    alice->send(R"({"type":"send","id":5,"room":")" + room + R"(","text":"still here?","client_id":"c-1"})");
    auto err = alice->wait_for("error");
    ASSERT_TRUE(err);
    EXPECT_EQ(json_field(*err, "code"), "not_in_room");
    alice->send(R"({"type":"join","id":6,"room":")" + room + R"("})");
    err = alice->wait_for("error");
    ASSERT_TRUE(err);
    EXPECT_EQ(json_field(*err, "code"), "not_found");
    // Bob saw her go; removing her again changes nothing.
    event = bob->wait_for("event");
    while (event && json_field(*event, "action") != "remove") event = bob->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "action"), "remove");
    EXPECT_EQ(json_field(call(port(), http::delete_, room_path(room) + "/members/alice").body, "changed"), "false");
}

TEST_F(api, a_ban_removes_and_bars_the_user_until_lifted_and_a_mute_stops_its_lines) {
    start_with_rooms();
    auto eve = signed_in("eve", "general");
    auto bob = signed_in("bob", "general");

    // Readers of a public room are not its members; the app makes eve one.
    ASSERT_EQ(call(port(), http::put, room_path("general") + "/members/eve").status, 200);
    const auto muted = call(port(), http::post, room_path("general") + "/mutes/eve", "");
    ASSERT_EQ(muted.status, 200) << muted.body;
    eve->send(R"({"type":"send","id":5,"room":"general","text":"hi","client_id":"c-1"})");
    auto err = eve->wait_for("error");
    ASSERT_TRUE(err);
    EXPECT_EQ(json_field(*err, "code"), "muted");
    EXPECT_NE(call(port(), http::get, room_path("general")).body.find(R"({"user":"eve","role":"member","muted":true})"),
              std::string::npos);
    EXPECT_EQ(call(port(), http::delete_, room_path("general") + "/mutes/eve").status, 200);
    eve->send(R"({"type":"send","id":6,"room":"general","text":"back","client_id":"c-2"})");
    ASSERT_TRUE(eve->wait_for("ack"));

    const auto banned = call(port(), http::post, room_path("general") + "/bans/eve", R"({"until_ms":9000000000000})");
    ASSERT_EQ(banned.status, 200) << banned.body;
    auto gone = eve->wait_for("removed");
    ASSERT_TRUE(gone);
    EXPECT_EQ(json_field(*gone, "reason"), "banned");
    eve->send(R"({"type":"join","id":7,"room":"general"})");
    err = eve->wait_for("error");
    ASSERT_TRUE(err);
    EXPECT_EQ(json_field(*err, "code"), "banned");
    auto event = bob->wait_for("event");
    while (event && json_field(*event, "action") != "ban") event = bob->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "until"), "9000000000000");
    EXPECT_EQ(json_field(call(port(), http::get, room_path("general")).body, "banned"),
              R"([{"user":"eve","until":9000000000000}])");

    EXPECT_EQ(call(port(), http::delete_, room_path("general") + "/bans/eve").status, 200);
    EXPECT_EQ(json_field(call(port(), http::delete_, room_path("general") + "/bans/eve").body, "changed"), "false");
    eve->send(R"({"type":"join","id":8,"room":"general"})");
    EXPECT_TRUE(eve->wait_for("joined"));
    EXPECT_EQ(call(port(), http::post, room_path("general") + "/bans/eve", R"({"until_ms":0})").code(), "invalid_field");
}

TEST_F(api, deleting_a_line_erases_its_text_for_everyone_and_keeps_a_tombstone) {
    start_with_rooms();
    auto alice = signed_in("alice", "general");
    alice->send(R"({"type":"send","id":5,"room":"general","text":"oops, a secret","client_id":"c-1"})");
    const auto ack = alice->wait_for("ack");
    ASSERT_TRUE(ack);
    const std::string seq = json_field(*ack, "seq");

    const auto del = call(port(), http::delete_, messages_of("general") + "/" + seq);
    ASSERT_EQ(del.status, 200) << del.body;
    EXPECT_EQ(json_field(del.body, "deleted"), seq);
    auto event = alice->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "kind"), "delete");
    EXPECT_EQ(json_field(*event, "target"), seq);
    EXPECT_EQ(json_field(*event, "from"), "system");

    const auto h = call(port(), http::get, messages_of("general"));
    EXPECT_EQ(h.body.find("secret"), std::string::npos) << h.body;
    EXPECT_NE(h.body.find(R"("seq":)" + seq + R"(,"from":"alice","text":"")"), std::string::npos) << h.body;
    EXPECT_NE(h.body.find(R"("deleted":true)"), std::string::npos) << h.body;
    // Gone already, or never there: 404.
    const auto again = call(port(), http::delete_, messages_of("general") + "/" + seq);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.code(), "not_found");
    EXPECT_EQ(call(port(), http::delete_, messages_of("general") + "/999").status, 404);
    EXPECT_EQ(call(port(), http::delete_, messages_of("!nosuchroom2345") + "/1").status, 404);
    EXPECT_EQ(call(port(), http::delete_, messages_of("general") + "/x").code(), "invalid_field");
}

TEST_F(api, patching_a_room_sets_its_topic_as_a_topic_event_that_members_see_and_history_keeps) {
    start_with_rooms();
    auto alice = signed_in("alice", "general");
    const auto set = call(port(), http::patch, room_path("general"), R"({"topic":"Release on Friday","client_id":"t-1"})");
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(json_field(set.body, "topic"), "Release on Friday");
    EXPECT_EQ(json_field(set.body, "changed"), "true");
    EXPECT_EQ(json_field(set.body, "duplicate"), "false");
    const std::string seq = json_field(set.body, "seq");
    auto event = alice->wait_for("event");
    ASSERT_TRUE(event);
    EXPECT_EQ(json_field(*event, "kind"), "topic");
    EXPECT_EQ(json_field(*event, "from"), "system");
    EXPECT_EQ(json_field(*event, "text"), "Release on Friday");
    EXPECT_EQ(json_field(*event, "seq"), seq);
    // The room and history say so; a new reader's join shows it.
    EXPECT_EQ(json_field(call(port(), http::get, room_path("general")).body, "topic"), "Release on Friday");
    EXPECT_NE(call(port(), http::get, messages_of("general")).body.find(R"("seq":)" + seq + R"(,"kind":"topic")"),
              std::string::npos);
    auto bob = signed_in("bob", "general");
    ASSERT_FALSE(bob->seen().empty());
    EXPECT_EQ(json_field(bob->seen().back(), "topic"), "Release on Friday");
    // The topic it has already changes nothing; "" clears it.
    EXPECT_EQ(json_field(call(port(), http::patch, room_path("general"), R"({"topic":"Release on Friday"})").body,
                         "changed"),
              "false");
    EXPECT_EQ(json_field(call(port(), http::patch, room_path("general"), R"({"topic":""})").body, "changed"), "true");
    // Errors with the protocol's codes.
    EXPECT_EQ(call(port(), http::patch, room_path("general"), R"({"topic":"two\nlines"})").code(), "invalid_field");
    EXPECT_EQ(call(port(), http::patch, room_path("general"), R"({"client_id":"t-2"})").code(), "missing_field");
    EXPECT_EQ(call(port(), http::patch, room_path("general"), R"({"topic":7})").code(), "wrong_type");
    EXPECT_EQ(call(port(), http::patch, room_path("general"), "{").code(), "bad_json");
    EXPECT_EQ(call(port(), http::patch, room_path("!nosuchroom2345"), R"({"topic":"x"})").status, 404);
    EXPECT_EQ(call(port(), http::delete_, room_path("general")).headers[boost::beast::http::field::allow], "GET, PATCH");
}

TEST_F(api, a_direct_room_takes_no_moderation_and_a_private_room_no_guest) {
    start_with_rooms();
    const auto direct = call(port(), http::post, rooms, R"({"kind":"direct","users":["ann","ben"]})");
    const std::string room = json_field(direct.body, "room");
    // Nobody is in it (its room is not running): the app still reaches it.
    EXPECT_EQ(call(port(), http::post, messages_of(room), R"({"text":"welcome"})").status, 201);
    for (const auto& [verb, path] : {std::pair{http::put, "/members/cy"}, std::pair{http::delete_, "/members/ben"},
                                     std::pair{http::post, "/bans/ben"}, std::pair{http::post, "/mutes/ben"}}) {
        const auto r = call(port(), verb, room_path(room) + path);
        EXPECT_EQ(r.status, 403) << path << " " << r.body;
        EXPECT_EQ(r.code(), "forbidden");
    }
    const auto priv = call(port(), http::post, rooms, R"({"kind":"private"})");
    const auto guest = call(port(), http::put, room_path(json_field(priv.body, "room")) + "/members/guest%3Aeve");
    EXPECT_EQ(guest.status, 403);
    EXPECT_EQ(call(port(), http::put, room_path("!nosuchroom2345") + "/members/bob").status, 404);
    EXPECT_EQ(call(port(), http::patch, room_path(room) + "/members/bob").headers[boost::beast::http::field::allow],
              "PUT, DELETE");
}

}  // namespace
