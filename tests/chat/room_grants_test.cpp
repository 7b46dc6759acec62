// A room honouring the rooms a user's token grants (docs/protocol.md,
// "identify"): the user is let in with the granted role, by an event every
// member sees, except where a grant cannot count.

#include "room_fixture.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

using chatd::chat::join;
using chatd::storage::event_kind;
using chatd::storage::forever_ms;
using chatd::storage::member_action;
using chatd::storage::member_role;
using chatd::storage::room_kind;
using chatd::test::field;
using chatd::test::of_type;
using chatd::test::row;

class room_grants_test : public chatd::test::room_fixture {
protected:
    /// `user` joins holding a token that grants the room with `role`.
    member granted(const std::string& user, std::optional<member_role> role, bool guest = false) {
        return joined(user, guest, role);
    }
};

TEST_F(room_grants_test, a_token_lets_a_non_member_into_a_private_room_with_its_role) {
    stored("!team", room_kind::private_room, {row("alice", member_role::owner)});
    make_room("!team");
    auto alice = joined("alice");
    auto bob = granted("bob", member_role::admin);

    auto welcome = of_type(bob.frames, "joined");
    ASSERT_EQ(welcome.size(), 1u);
    EXPECT_EQ(field(welcome[0], "role"), "admin");
    const auto& rows = db_->rooms["!team"];
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].kind, event_kind::member);
    EXPECT_EQ(rows[0].action, member_action::join);
    EXPECT_EQ(rows[0].subject, "bob");
    EXPECT_EQ(db_->appended.back().role, member_role::admin);
    auto seen = of_type(alice.frames, "event");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(field(seen[0], "user"), "bob");
    EXPECT_EQ(field(seen[0], "role"), "admin");

    // A member now: it speaks, and its next join (no grant) is let in.
    say(bob, "b1", "hello");
    EXPECT_EQ(of_type(alice.frames, "message").size(), 1u);
    auto again = joined("bob");
    EXPECT_EQ(of_type(again.frames, "joined").size(), 1u);
    EXPECT_EQ(field(of_type(again.frames, "joined")[0], "role"), "admin");
}

TEST_F(room_grants_test, a_join_that_makes_a_member_lists_the_room_on_the_users_other_connections) {
    stored("!team", room_kind::private_room, {row("alice", member_role::owner)});
    db_->states["!team"].room.topic = "plans";
    make_room("!team");
    auto alice = joined("alice");
    auto phone = connect("bob");  // signed in, in no room
    auto bob = granted("bob", member_role::admin);
    ASSERT_EQ(db_->rooms["!team"].size(), 1u);
    auto added = of_type(phone.frames, "room_added");
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].json, R"({"type":"room_added","room":"!team","kind":"private","topic":"plans",)"
                             R"("role":"admin","by":"bob","last_seq":1})");
    EXPECT_TRUE(of_type(bob.frames, "room_added").empty()) << "the connection that joined has `joined`";
    EXPECT_TRUE(of_type(alice.frames, "room_added").empty());

    // A member now: another granted join (same role) makes no event and no push.
    auto laptop = granted("bob", member_role::admin);
    EXPECT_EQ(of_type(laptop.frames, "joined").size(), 1u);
    EXPECT_EQ(db_->rooms["!team"].size(), 1u);
    EXPECT_EQ(of_type(phone.frames, "room_added").size(), 1u);
    // A grant that only changes the role of a member adds no room.
    auto carol_phone = connect("carol");
    stored("!ops", room_kind::private_room, {row("alice", member_role::owner), row("carol")});
    make_room("!ops");
    granted("carol", member_role::admin);
    EXPECT_EQ(db_->rooms["!ops"].size(), 1u);
    EXPECT_TRUE(of_type(carol_phone.frames, "room_added").empty());
    EXPECT_EQ(users_.pushes, 1);
}

TEST_F(room_grants_test, a_member_whose_token_grants_another_role_gets_it_from_the_server) {
    stored("!team", room_kind::private_room, {row("alice", member_role::owner), row("bob")});
    make_room("!team");
    auto alice = joined("alice");
    auto same = granted("alice", member_role::owner);
    EXPECT_TRUE(db_->rooms["!team"].empty()) << "the role it has: nothing to store";

    auto bob = granted("bob", member_role::admin);
    const auto& rows = db_->rooms["!team"];
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].action, member_action::role);
    EXPECT_EQ(rows[0].subject, "bob");
    EXPECT_EQ(rows[0].sender, "system");
    EXPECT_EQ(field(of_type(bob.frames, "joined")[0], "role"), "admin");
    auto seen = of_type(alice.frames, "event");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(field(seen[0], "action"), "role");
    EXPECT_EQ(field(seen[0], "role"), "admin");
}

TEST_F(room_grants_test, a_grant_does_not_lift_a_ban_open_a_direct_room_or_count_for_a_guest) {
    auto banned = row("bob");
    banned.is_member = false;
    banned.banned_until = forever_ms;
    stored("!team", room_kind::private_room, {row("alice", member_role::owner), banned});
    stored("!pair", room_kind::direct, {row("alice"), row("carol")});
    make_room("!team");
    auto bob = granted("bob", member_role::member);
    EXPECT_EQ(last_error(bob), "banned") << "a grant does not lift a ban";
    EXPECT_TRUE(of_type(bob.frames, "joined").empty());
    auto gus = granted("guest:gus", member_role::member, true);
    EXPECT_EQ(last_error(gus), "not_found");

    make_room("!pair");
    auto dan = granted("dan", member_role::owner);
    EXPECT_EQ(last_error(dan), "not_found") << "a direct room is its users' alone";
    EXPECT_TRUE(db_->rooms["!team"].empty());
    EXPECT_TRUE(db_->rooms["!pair"].empty());
}

TEST_F(room_grants_test, a_grant_makes_an_owner_of_a_public_room) {
    make_room("lobby");
    auto olga = granted("olga", member_role::owner);
    EXPECT_EQ(field(of_type(olga.frames, "joined")[0], "role"), "owner");
    ASSERT_EQ(db_->appended.size(), 1u);
    EXPECT_EQ(db_->appended[0].action, member_action::join);
    EXPECT_EQ(db_->appended[0].role, member_role::owner);
}

}  // namespace
