// Rooms: creating public, private and direct rooms (one direct room per set
// of users, in any order), the state a room actor starts from, and the
// rooms a user belongs to.

#include "support.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

using room_store_test = store_test;

new_room room(room_kind kind, std::string name, std::string by, std::vector<std::string> users = {}) {
    return new_room{kind, std::move(name), std::move(by), "", std::move(users), 5000};
}

TEST_F(room_store_test, a_public_room_is_created_with_its_creator_as_owner_once) {
    auto store = open_store();
    auto r = room(room_kind::public_room, "lobby", "ann");
    r.topic = "say hi";
    const auto made = store.create_room(r).value();
    EXPECT_EQ(made.status, create_status::created);
    EXPECT_EQ(made.state.room, (room_row{"lobby", room_kind::public_room, "say hi", "ann", 0, 5000}));
    EXPECT_EQ(made.state.members, (std::vector{member_row{"ann", member_role::owner, true, 0, 0, 5000}}));

    const auto read = store.room("lobby").value();
    EXPECT_TRUE(read.exists);
    EXPECT_EQ(read.room, made.state.room);
    EXPECT_EQ(read.members, made.state.members);

    EXPECT_EQ(store.create_room(room(room_kind::public_room, "lobby", "bob")).value().status, create_status::exists);
    EXPECT_EQ(store.room("lobby").value().room.created_by, "ann");
}

TEST_F(room_store_test, a_public_name_taken_by_a_room_made_by_a_join_exists_already) {
    auto store = open_store();
    append_ok(store, {msg("general", "ann", "1")});
    EXPECT_EQ(store.create_room(room(room_kind::public_room, "general", "bob")).value().status, create_status::exists);
}

TEST_F(room_store_test, a_private_room_gets_a_fresh_server_name) {
    auto store = open_store();
    std::set<std::string> names;
    for (int i = 0; i < 20; ++i) {
        const auto made = store.create_room(room(room_kind::private_room, "", "ann")).value();
        ASSERT_EQ(made.status, create_status::created);
        const auto& name = made.state.room.name;
        ASSERT_EQ(name.size(), 21U) << name;
        EXPECT_EQ(name.front(), '!');
        EXPECT_TRUE(std::all_of(name.begin() + 1, name.end(),
                                [](char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }))
            << name;
        names.insert(name);
        EXPECT_EQ(made.state.room.kind, room_kind::private_room);
        EXPECT_EQ(made.state.members, (std::vector{member_row{"ann", member_role::owner, true, 0, 0, 5000}}));
    }
    EXPECT_EQ(names.size(), 20U);
    // A given name (tests, or a caller's retry) is refused once taken.
    EXPECT_EQ(store.create_room(room(room_kind::private_room, *names.begin(), "bob")).value().status,
              create_status::exists);
}

TEST_F(room_store_test, one_direct_room_per_set_of_users_whatever_the_order_and_who_opens_it) {
    auto store = open_store();
    const auto first = store.create_room(room(room_kind::direct, "", "ann", {"carl", "bob"})).value();
    ASSERT_EQ(first.status, create_status::created);
    EXPECT_EQ(first.state.room.kind, room_kind::direct);
    EXPECT_EQ(first.state.members, (std::vector{member_row{"ann", member_role::member, true, 0, 0, 5000},
                                                member_row{"bob", member_role::member, true, 0, 0, 5000},
                                                member_row{"carl", member_role::member, true, 0, 0, 5000}}));

    for (const auto& again : {room(room_kind::direct, "", "carl", {"ann", "bob"}),
                              room(room_kind::direct, "", "bob", {"bob", "carl", "ann", "carl"}),
                              room(room_kind::direct, "", "ann", {"bob", "carl", "ann"})}) {
        const auto found = store.create_room(again).value();
        EXPECT_EQ(found.status, create_status::found);
        EXPECT_EQ(found.state.room.name, first.state.room.name);
        EXPECT_EQ(found.state.members, first.state.members);
    }
    // Another set is another room.
    const auto pair = store.create_room(room(room_kind::direct, "", "ann", {"bob"})).value();
    EXPECT_EQ(pair.status, create_status::created);
    EXPECT_NE(pair.state.room.name, first.state.room.name);
}

TEST_F(room_store_test, the_direct_key_is_unique_in_the_database_itself) {
    auto store = open_store();
    store.create_room(room(room_kind::direct, "", "ann", {"bob"})).value();
    auto db = other_connection();
    EXPECT_FALSE(db.exec("INSERT INTO rooms (name, created_ms, kind, direct_key) VALUES ('!x', 0, 'direct', "
                         "'ann\nbob')")
                     .has_value());
}

TEST_F(room_store_test, rooms_that_cannot_be_created_fail_with_misuse) {
    auto store = open_store();
    for (const auto& bad : {room(room_kind::public_room, "", "ann"), room(room_kind::public_room, "!abc", "ann"),
                            room(room_kind::public_room, "x", ""), room(room_kind::private_room, "named", "ann"),
                            room(room_kind::direct, "", "ann"), room(room_kind::direct, "", "ann", {"ann"}),
                            room(room_kind::direct, "", "ann", {"b", ""}),
                            room(room_kind::direct, "", "ann", {"1", "2", "3", "4", "5", "6", "7", "8"})}) {
        auto r = store.create_room(bad);
        ASSERT_FALSE(r.has_value()) << bad.name << " by " << bad.created_by;
        EXPECT_EQ(r.error().code, error_code::misuse);
    }
    // Eight counting the opener is the most.
    EXPECT_TRUE(store.create_room(room(room_kind::direct, "", "ann", {"1", "2", "3", "4", "5", "6", "7"})).has_value());
}

TEST_F(room_store_test, a_room_that_does_not_exist_has_no_state) {
    auto store = open_store();
    const auto none = store.room("nowhere").value();
    EXPECT_FALSE(none.exists);
    EXPECT_TRUE(none.members.empty());
}

TEST_F(room_store_test, the_state_carries_last_seq_topic_and_sanctions) {
    auto store = open_store();
    const auto name = store.create_room(room(room_kind::private_room, "", "ann")).value().state.room.name;
    new_message topic = msg(name, "ann", "t", "plans");
    topic.kind = event_kind::topic;
    append_ok(store, {member(name, "ann", "i", member_action::invite, "bob"), topic,
                      member(name, "ann", "b", member_action::ban, "eve", member_role::member, 9000)});
    const auto state = store.room(name).value();
    EXPECT_EQ(state.room.last_seq, 3U);
    EXPECT_EQ(state.room.topic, "plans");
    EXPECT_EQ(state.members, (std::vector{member_row{"ann", member_role::owner, true, 0, 0, 5000},
                                          member_row{"bob", member_role::member, true, 0, 0, 3000},
                                          member_row{"eve", member_role::member, false, 9000, 0, 3000}}));
}

TEST_F(room_store_test, the_rooms_of_a_user_are_those_it_is_a_member_of) {
    auto store = open_store();
    const auto priv = store.create_room(room(room_kind::private_room, "", "ann")).value().state.room.name;
    const auto direct = store.create_room(room(room_kind::direct, "", "bob", {"ann"})).value().state.room.name;
    store.create_room(room(room_kind::public_room, "owned", "ann")).value();
    append_ok(store, {msg("visited", "ann", "1"),                                   // a line is not a join
                      member("joined", "ann", "j", member_action::join, "ann"),     // a join is
                      member("left", "ann", "j", member_action::join, "ann"),
                      member("left", "ann", "l", member_action::leave, "ann"),
                      member("banned", "ann", "j", member_action::join, "ann"),
                      member("banned", "bob", "b", member_action::ban, "ann")});
    const auto rooms = store.rooms_of("ann").value();
    std::vector<std::string> names;
    for (const auto& r : rooms) names.push_back(r.room);
    std::vector<std::string> expected{priv, direct, "joined", "owned"};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(names, expected);

    const auto owned = std::find_if(rooms.begin(), rooms.end(), [](const auto& r) { return r.room == "owned"; });
    EXPECT_EQ(owned->kind, room_kind::public_room);
    EXPECT_EQ(owned->role, member_role::owner);
    const auto dm = std::find_if(rooms.begin(), rooms.end(), [&](const auto& r) { return r.room == direct; });
    EXPECT_EQ(dm->kind, room_kind::direct);
    EXPECT_EQ(dm->role, member_role::member);
    EXPECT_TRUE(store.rooms_of("nobody").value().empty());

    // One room alone (a join's counts): the user's entry, or none when it is not a member.
    const auto one = store.rooms_of("ann", "owned").value();
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0], *owned);
    EXPECT_TRUE(store.rooms_of("ann", "left").value().empty());
    EXPECT_TRUE(store.rooms_of("ann", "no-such-room").value().empty());
}

// Joining a public room makes nobody a member, so the public rooms a user
// reads in are listed by its read marker; a private room's marker lists
// nothing without membership, and a member's room is listed once.
TEST_F(room_store_test, the_public_rooms_a_user_has_read_in_are_among_its_rooms) {
    auto store = open_store();
    const auto priv = store.create_room(room(room_kind::private_room, "", "bob")).value().state.room.name;
    store.create_room(room(room_kind::public_room, "owned", "ann")).value();
    append_ok(store, {msg("lounge", "bob", "1"), msg("lounge", "bob", "2"), msg(priv, "bob", "1"),
                      msg("owned", "bob", "1")});
    ASSERT_TRUE(store.mark_read({"ann", "lounge", 1}));
    ASSERT_TRUE(store.mark_read({"ann", priv, 1}));
    ASSERT_TRUE(store.mark_read({"ann", "owned", 1}));
    const auto rooms = store.rooms_of("ann").value();
    ASSERT_EQ(rooms.size(), 2U);
    EXPECT_EQ(rooms[0].room, "lounge");
    EXPECT_EQ(rooms[0].role, member_role::member);
    EXPECT_EQ(rooms[0].read, 1U);
    EXPECT_EQ(rooms[0].unread, 1U);
    EXPECT_EQ(rooms[1].room, "owned");
    EXPECT_EQ(rooms[1].role, member_role::owner);
}

TEST_F(room_store_test, a_room_made_by_the_app_starts_with_the_members_named_and_not_its_creator) {
    auto store = open_store();
    auto r = room(room_kind::private_room, "", "system");
    r.creator_member = false;
    r.members = {{"bob", member_role::member}, {"ann", member_role::owner}};
    const auto made = store.create_room(r).value();
    ASSERT_EQ(made.status, create_status::created);
    EXPECT_EQ(made.state.room.created_by, "system");
    EXPECT_EQ(made.state.members, (std::vector{member_row{"ann", member_role::owner, true, 0, 0, 5000},
                                               member_row{"bob", member_role::member, true, 0, 0, 5000}}));
    EXPECT_EQ(store.room(made.state.room.name).value().members, made.state.members);
    // A direct room of the app is its users alone: the set a user opens too.
    auto d = room(room_kind::direct, "", "system", {"bob", "ann"});
    d.creator_member = false;
    const auto direct = store.create_room(d).value();
    ASSERT_EQ(direct.status, create_status::created);
    EXPECT_EQ(direct.state.members.size(), 2U);
    const auto opened = store.create_room(room(room_kind::direct, "", "ann", {"bob"})).value();
    EXPECT_EQ(opened.status, create_status::found);
    EXPECT_EQ(opened.state.room.name, direct.state.room.name);
    // A member named twice, or the creator among them, is not a room to create.
    r.members.push_back({"bob", member_role::admin});
    EXPECT_FALSE(well_formed(r));
}

TEST_F(room_store_test, every_room_is_listed_by_name_a_page_at_a_time) {
    auto store = open_store();
    for (const char* name : {"c", "a", "b"}) ASSERT_TRUE(store.create_room(room(room_kind::public_room, name, "ann")));
    const auto priv = store.create_room(room(room_kind::private_room, "", "ann")).value().state.room.name;
    const auto first = store.rooms("", 2, std::nullopt).value();
    ASSERT_EQ(first.rooms.size(), 2U);
    EXPECT_EQ(first.rooms[0].name, priv);  // '!' sorts first
    EXPECT_EQ(first.rooms[1].name, "a");
    EXPECT_TRUE(first.has_more);
    const auto rest = store.rooms("a", 2, std::nullopt).value();
    ASSERT_EQ(rest.rooms.size(), 2U);
    EXPECT_EQ(rest.rooms[1], (room_row{"c", room_kind::public_room, "", "ann", 0, 5000}));
    EXPECT_FALSE(rest.has_more);
    const auto privates = store.rooms("", 10, room_kind::private_room).value();
    ASSERT_EQ(privates.rooms.size(), 1U);
    EXPECT_EQ(privates.rooms[0].name, priv);
}

}  // namespace
