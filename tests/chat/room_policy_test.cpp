// Who may do what in a room: each rule of docs/protocol.md ("Room kinds",
// "Roles") as the room actor will ask it.

#include "chat/room_policy.hpp"

#include <gtest/gtest.h>

namespace {

using chatd::chat::actor_id;
using chatd::chat::forever_ms;
using chatd::chat::member_state;
using chatd::chat::room_action;
using chatd::chat::room_kind;
using chatd::chat::room_policy;
using chatd::chat::member_role;
using chatd::chat::verdict;

constexpr std::int64_t now = 1'000'000;

room_policy room_with_staff(room_kind kind) {
    room_policy p(kind);
    p.set("olga", {.member = true, .role = member_role::owner});
    p.set("adam", {.member = true, .role = member_role::admin});
    p.set("amy", {.member = true, .role = member_role::admin});
    p.set("mia", {.member = true});
    p.set("max", {.member = true});
    return p;
}

actor_id user(std::string_view name) { return {name, false}; }

TEST(room_policy, a_private_room_answers_an_outsider_exactly_as_a_room_that_does_not_exist) {
    const room_policy p = room_with_staff(room_kind::private_room);
    for (room_action a : {room_action::join, room_action::read, room_action::send, room_action::invite,
                          room_action::set_topic, room_action::ban})
        EXPECT_EQ(p.decide(user("eve"), a, now, "mia"), verdict::not_found) << static_cast<int>(a);
    EXPECT_EQ(p.decide(user("mia"), room_action::join, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("mia"), room_action::read, now), verdict::allowed);
}

TEST(room_policy, a_direct_room_is_invisible_to_outsiders_and_nobody_moderates_it) {
    room_policy p(room_kind::direct);
    p.set("ann", {.member = true});
    p.set("bob", {.member = true});
    EXPECT_EQ(p.decide(user("eve"), room_action::read, now), verdict::not_found);
    EXPECT_EQ(p.decide(user("ann"), room_action::send, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("ann"), room_action::set_topic, now), verdict::allowed);
    for (room_action a : {room_action::invite, room_action::remove, room_action::ban, room_action::mute,
                          room_action::delete_any, room_action::set_role})
        EXPECT_EQ(p.decide(user("ann"), a, now, "bob", member_role::admin), verdict::forbidden) << static_cast<int>(a);
}

TEST(room_policy, guests_may_use_public_rooms_only) {
    room_policy pub(room_kind::public_room);
    EXPECT_EQ(pub.decide({"guest:gus", true}, room_action::join, now), verdict::allowed);
    room_policy priv = room_with_staff(room_kind::private_room);
    // Even a row that says member (an invitation made before the rules) does not let a guest in.
    priv.set("guest:gus", {.member = true});
    EXPECT_EQ(priv.decide({"guest:gus", true}, room_action::read, now), verdict::not_found);
    EXPECT_EQ(priv.decide(user("olga"), room_action::invite, now, "guest:gus"), verdict::forbidden);
    EXPECT_EQ(room_with_staff(room_kind::public_room).decide(user("olga"), room_action::invite, now, "guest:gus"),
              verdict::allowed);
}

TEST(room_policy, a_ban_keeps_a_user_out_of_a_public_room_until_it_ends) {
    room_policy p = room_with_staff(room_kind::public_room);
    p.set("max", {.member = false, .banned_until_ms = now + 10});
    EXPECT_EQ(p.decide(user("max"), room_action::join, now), verdict::banned);
    EXPECT_EQ(p.decide(user("max"), room_action::join, now + 10), verdict::allowed);
    p.set("max", {.member = false, .banned_until_ms = forever_ms});
    EXPECT_EQ(p.decide(user("max"), room_action::join, now + 1'000'000'000), verdict::banned);
}

TEST(room_policy, a_banned_user_of_a_private_room_is_told_it_is_banned_until_the_ban_ends) {
    room_policy p = room_with_staff(room_kind::private_room);
    p.set("max", {.member = false, .banned_until_ms = now + 10});
    EXPECT_EQ(p.decide(user("max"), room_action::join, now), verdict::banned);
    EXPECT_EQ(p.decide(user("max"), room_action::join, now + 10), verdict::not_found) << "no longer a member";
}

TEST(room_policy, a_muted_member_reads_and_deletes_its_own_lines_but_cannot_post) {
    room_policy p = room_with_staff(room_kind::public_room);
    p.set("mia", {.member = true, .muted_until_ms = now + 5});
    EXPECT_EQ(p.decide(user("mia"), room_action::send, now), verdict::muted);
    EXPECT_EQ(p.decide(user("mia"), room_action::read, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("mia"), room_action::delete_own, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("mia"), room_action::send, now + 5), verdict::allowed);
}

TEST(room_policy, a_member_does_not_moderate) {
    const room_policy p = room_with_staff(room_kind::public_room);
    for (room_action a : {room_action::invite, room_action::remove, room_action::ban, room_action::unban,
                          room_action::mute, room_action::unmute, room_action::set_topic, room_action::delete_any,
                          room_action::set_role})
        EXPECT_EQ(p.decide(user("mia"), a, now, "max", member_role::admin), verdict::forbidden) << static_cast<int>(a);
}

TEST(room_policy, an_admin_moderates_members_but_never_another_admin_or_the_owner) {
    const room_policy p = room_with_staff(room_kind::private_room);
    for (room_action a : {room_action::remove, room_action::ban, room_action::mute, room_action::delete_any}) {
        EXPECT_EQ(p.decide(user("adam"), a, now, "mia"), verdict::allowed) << static_cast<int>(a);
        EXPECT_EQ(p.decide(user("adam"), a, now, "amy"), verdict::forbidden) << static_cast<int>(a);
        EXPECT_EQ(p.decide(user("adam"), a, now, "olga"), verdict::forbidden) << static_cast<int>(a);
        EXPECT_EQ(p.decide(user("adam"), a, now, "adam"), verdict::forbidden) << static_cast<int>(a);
    }
    EXPECT_EQ(p.decide(user("adam"), room_action::invite, now, "newcomer"), verdict::allowed);
    EXPECT_EQ(p.decide(user("adam"), room_action::set_topic, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("adam"), room_action::set_role, now, "mia", member_role::admin), verdict::forbidden);
}

TEST(room_policy, only_the_owner_sets_roles_and_only_of_members) {
    room_policy p = room_with_staff(room_kind::private_room);
    EXPECT_EQ(p.decide(user("olga"), room_action::set_role, now, "mia", member_role::admin), verdict::allowed);
    EXPECT_EQ(p.decide(user("olga"), room_action::set_role, now, "amy", member_role::member), verdict::allowed);
    EXPECT_EQ(p.decide(user("olga"), room_action::set_role, now, "mia", member_role::owner), verdict::allowed);
    EXPECT_EQ(p.decide(user("olga"), room_action::set_role, now, "olga", member_role::member), verdict::forbidden);
    EXPECT_EQ(p.decide(user("olga"), room_action::set_role, now, "stranger", member_role::admin), verdict::forbidden);
    EXPECT_EQ(p.decide(user("olga"), room_action::ban, now, "amy"), verdict::allowed);
}

TEST(room_policy, an_invitation_does_not_lift_a_ban) {
    room_policy p = room_with_staff(room_kind::private_room);
    p.set("max", {.member = false, .banned_until_ms = forever_ms});
    EXPECT_EQ(p.decide(user("olga"), room_action::invite, now, "max"), verdict::forbidden);
    EXPECT_EQ(p.decide(user("olga"), room_action::unban, now, "max"), verdict::allowed);
}

TEST(room_policy, a_public_room_without_an_owner_has_nobody_to_moderate_it) {
    room_policy p(room_kind::public_room);
    p.set("mia", {.member = true});
    p.set("max", {.member = true});
    EXPECT_EQ(p.decide(user("mia"), room_action::set_topic, now), verdict::forbidden);
    EXPECT_EQ(p.decide(user("mia"), room_action::ban, now, "max"), verdict::forbidden);
    EXPECT_EQ(p.decide(user("mia"), room_action::send, now), verdict::allowed);
    // A newcomer to a public room, no member, may join and post at once.
    EXPECT_EQ(p.decide(user("newcomer"), room_action::join, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("newcomer"), room_action::send, now), verdict::allowed);
    EXPECT_EQ(p.decide(user("newcomer"), room_action::delete_own, now), verdict::allowed);
}

TEST(room_policy, the_app_is_above_every_role_and_sees_every_room) {
    const actor_id app{"system", false, true};
    const room_policy priv = room_with_staff(room_kind::private_room);
    for (room_action a : {room_action::read, room_action::send, room_action::set_topic, room_action::delete_any,
                          room_action::remove, room_action::ban, room_action::mute, room_action::unban})
        EXPECT_EQ(priv.decide(app, a, now, "olga"), verdict::allowed) << static_cast<int>(a);
    EXPECT_EQ(priv.decide(app, room_action::set_role, now, "mia", member_role::owner), verdict::allowed);
    EXPECT_EQ(priv.decide(app, room_action::invite, now, "newcomer"), verdict::allowed);
    // The rules about the subject still hold.
    EXPECT_EQ(priv.decide(app, room_action::invite, now, "guest:gus"), verdict::forbidden);
    EXPECT_EQ(priv.decide(app, room_action::set_role, now, "stranger", member_role::admin), verdict::forbidden);
    room_policy pub(room_kind::public_room);
    pub.set("eve", {.member = false, .banned_until_ms = forever_ms});
    EXPECT_EQ(pub.decide(app, room_action::invite, now, "eve"), verdict::forbidden);
    EXPECT_EQ(pub.decide(app, room_action::invite, now, "guest:gus", member_role::admin), verdict::forbidden);
    room_policy direct(room_kind::direct);
    direct.set("ann", {.member = true});
    EXPECT_EQ(direct.decide(app, room_action::remove, now, "ann"), verdict::forbidden);
    EXPECT_EQ(direct.decide(app, room_action::delete_any, now, "ann"), verdict::allowed);
}

TEST(room_policy, a_change_that_is_so_already_changes_nothing) {
    using chatd::protocol::member_action;
    room_policy p = room_with_staff(room_kind::public_room);
    p.set("eve", {.member = false, .banned_until_ms = now - 1, .muted_until_ms = now + 1});
    EXPECT_FALSE(p.changes(member_action::invite, "mia", member_role::member, now));
    EXPECT_FALSE(p.changes(member_action::role, "adam", member_role::admin, now));
    EXPECT_TRUE(p.changes(member_action::role, "mia", member_role::admin, now));
    EXPECT_FALSE(p.changes(member_action::remove, "eve", member_role::member, now));
    EXPECT_FALSE(p.changes(member_action::unban, "eve", member_role::member, now));  // expired
    EXPECT_TRUE(p.changes(member_action::unmute, "eve", member_role::member, now));
    EXPECT_FALSE(p.changes(member_action::unmute, "mia", member_role::member, now));
    EXPECT_TRUE(p.changes(member_action::ban, "eve", member_role::member, now));
    EXPECT_TRUE(p.changes(member_action::invite, "newcomer", member_role::member, now));
}

}  // namespace
