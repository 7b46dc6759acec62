// A room with the room model on (membership events), on the deterministic
// executor between a fake storage and fake sessions: who may join, send
// and change what, and what everyone sees when a change is stored.

#include "room_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using chatd::chat::join;
using chatd::protocol::line_change_request;
using chatd::protocol::member_change_request;
using chatd::storage::event_kind;
using chatd::storage::forever_ms;
using chatd::storage::member_action;
using chatd::storage::member_role;
using chatd::storage::room_kind;
using chatd::test::field;
using chatd::test::of_type;
using chatd::test::row;
using room_rules_test = chatd::test::room_fixture;

TEST_F(room_rules_test, a_private_room_refuses_a_non_member_exactly_as_a_room_that_does_not_exist) {
    make_room("!nowhere");
    auto lost = joined("bob");
    stored("!secret", room_kind::private_room, {row("alice", member_role::owner)});
    make_room("!secret");
    auto outsider = joined("bob");
    auto insider = joined("alice");

    for (const auto* m : {&lost, &outsider}) {
        ASSERT_EQ(of_type(m->frames, "error").size(), 1u);
        EXPECT_EQ(last_error(*m), "not_found");
        EXPECT_EQ(of_type(m->frames, "unsubscribed").size(), 1u) << "the session must forget the room";
        EXPECT_TRUE(of_type(m->frames, "joined").empty());
    }
    EXPECT_EQ(field(of_type(lost.frames, "error")[0], "message"), field(of_type(outsider.frames, "error")[0], "message"));
    EXPECT_EQ(of_type(insider.frames, "joined").size(), 1u);
}

TEST_F(room_rules_test, a_banned_user_is_told_it_is_banned_and_not_let_in) {
    auto banned = row("bob");
    banned.is_member = false;
    banned.banned_until = forever_ms;
    stored("general", room_kind::public_room, {banned});
    make_room("general");
    auto bob = joined("bob");
    EXPECT_EQ(last_error(bob), "banned");
    EXPECT_EQ(of_type(bob.frames, "unsubscribed").size(), 1u);
    EXPECT_TRUE(of_type(bob.frames, "joined").empty());
}

TEST_F(room_rules_test, a_muted_member_may_read_but_not_send) {
    auto muted = row("bob");
    muted.muted_until = forever_ms;
    stored("general", room_kind::public_room, {row("alice"), muted});
    make_room("general");
    auto alice = joined("alice");
    auto bob = joined("bob");
    EXPECT_EQ(of_type(bob.frames, "joined").size(), 1u);
    say(bob, "b1", "hello?");
    EXPECT_EQ(last_error(bob), "muted");
    EXPECT_TRUE(of_type(alice.frames, "message").empty());
    EXPECT_TRUE(db_->rooms["general"].empty());
}

TEST_F(room_rules_test, joining_a_public_room_stores_nothing_and_the_newcomer_may_post_at_once) {
    // A member event per first join would be pushed to everyone: ten
    // thousand readers joining would make a hundred million pushes.
    make_room("general");
    auto bob = joined("bob");
    auto ann = joined("ann");
    auto welcome = of_type(bob.frames, "joined");
    ASSERT_EQ(welcome.size(), 1u);
    EXPECT_EQ(field(welcome[0], "kind"), "public");
    EXPECT_EQ(field(welcome[0], "role"), "<absent>") << "a reader of a public room holds no role";
    EXPECT_TRUE(db_->rooms["general"].empty()) << "no member event";
    EXPECT_TRUE(of_type(ann.frames, "event").empty());
    say(bob, "b1", "hi");
    ASSERT_EQ(of_type(bob.frames, "ack").size(), 1u);
    EXPECT_EQ(field(of_type(bob.frames, "ack")[0], "seq"), "1") << "the first line is the room's first event";
    EXPECT_EQ(of_type(ann.frames, "message").size(), 1u);
}

TEST_F(room_rules_test, an_admin_removes_a_member_who_is_told_and_unsubscribed_and_cannot_come_back) {
    stored("!team", room_kind::private_room,
           {row("alice", member_role::admin), row("bob"), row("carol")});
    db_->states["!team"].room.topic = "plans";
    make_room("!team");
    auto alice = joined("alice");
    auto welcome = of_type(alice.frames, "joined");
    ASSERT_EQ(welcome.size(), 1u);
    EXPECT_EQ(field(welcome[0], "kind"), "private");
    EXPECT_EQ(field(welcome[0], "topic"), "plans");
    EXPECT_EQ(field(welcome[0], "role"), "admin");
    auto bob = joined("bob");
    auto bob_phone = joined("bob");
    auto carol = joined("carol");

    ask_change(carol, member_change_request{member_action::remove, "!team", "bob", 0, member_role::member, "r0"});
    EXPECT_EQ(last_error(carol), "forbidden") << "a member moderates nobody";

    ask_change(alice, member_change_request{member_action::remove, "!team", "bob", 0, member_role::member, "r1"});
    auto acks = of_type(alice.frames, "ack");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(field(acks[0], "client_id"), "r1");
    auto seen = of_type(carol.frames, "event");
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(field(seen[0], "action"), "remove");
    EXPECT_EQ(field(seen[0], "user"), "bob");
    for (const auto* m : {&bob, &bob_phone}) {
        auto removed = of_type(m->frames, "removed");
        ASSERT_EQ(removed.size(), 1u);
        EXPECT_EQ(field(removed[0], "reason"), "removed");
        EXPECT_EQ(of_type(m->frames, "unsubscribed").size(), 1u);
    }
    // No longer a member: nothing more reaches bob, and a join is refused.
    say(alice, "a1", "after");
    EXPECT_TRUE(of_type(bob.frames, "message").empty());
    auto again = joined("bob");
    EXPECT_EQ(last_error(again), "not_found");
}

TEST_F(room_rules_test, edits_reactions_and_deletes_are_pushed_to_members_and_acked) {
    stored("general", room_kind::public_room, {row("alice"), row("bob")});
    make_room("general");
    auto alice = joined("alice");
    auto bob = joined("bob");
    say(alice, "a1", "helo");

    ask_change(alice, line_change_request{event_kind::edit, "general", 1, "hello", "e1"});
    ask_change(bob, line_change_request{event_kind::react, "general", 1, "+1", "r1"});
    ask_change(alice, line_change_request{event_kind::delete_line, "general", 1, "", "d1"});

    auto events = of_type(bob.frames, "event");
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(field(events[0], "kind"), "edit");
    EXPECT_EQ(field(events[0], "text"), "hello");
    EXPECT_EQ(field(events[0], "target"), "1");
    EXPECT_EQ(field(events[1], "kind"), "react");
    EXPECT_EQ(field(events[1], "from"), "bob");
    EXPECT_EQ(field(events[2], "kind"), "delete");
    EXPECT_EQ(of_type(alice.frames, "ack").size(), 3u);  // its line, its edit, its delete
    EXPECT_EQ(of_type(bob.frames, "ack").size(), 1u);
    EXPECT_TRUE(db_->rooms["general"][0].deleted);
}

TEST_F(room_rules_test, a_member_may_not_delete_anothers_line_but_an_admin_may) {
    stored("general", room_kind::public_room, {row("alice"), row("bob"), row("carol", member_role::admin)});
    make_room("general");
    auto alice = joined("alice");
    auto bob = joined("bob");
    auto carol = joined("carol");
    say(alice, "a1", "mine");

    ask_change(bob, line_change_request{event_kind::delete_line, "general", 1, "", "d1"});
    EXPECT_EQ(last_error(bob), "forbidden");
    EXPECT_FALSE(db_->rooms["general"][0].deleted);

    ask_change(carol, line_change_request{event_kind::delete_line, "general", 1, "", "d2"});
    EXPECT_EQ(of_type(carol.frames, "ack").size(), 1u);
    EXPECT_TRUE(db_->rooms["general"][0].deleted);
    EXPECT_EQ(of_type(alice.frames, "event").size(), 1u);
}

TEST_F(room_rules_test, a_change_storage_rejects_is_an_error_with_its_reason_and_not_an_ack) {
    stored("general", room_kind::public_room, {row("alice"), row("bob")});
    make_room("general");
    auto alice = joined("alice");
    auto bob = joined("bob");
    say(alice, "a1", "mine");

    ask_change(bob, line_change_request{event_kind::edit, "general", 1, "yours now", "e1"});
    EXPECT_EQ(last_error(bob), "forbidden");
    ask_change(bob, line_change_request{event_kind::react, "general", 42, "+1", "r1"});
    EXPECT_EQ(last_error(bob), "not_found");
    EXPECT_TRUE(of_type(bob.frames, "ack").empty());
    EXPECT_TRUE(of_type(alice.frames, "event").empty());
    EXPECT_EQ(db_->rooms["general"].size(), 1u);
}

TEST_F(room_rules_test, a_replay_shows_events_as_events_and_lines_with_their_edits) {
    stored("general", room_kind::public_room, {row("alice"), row("bob")});
    make_room("general");
    auto alice = joined("alice");
    say(alice, "a1", "helo");
    ask_change(alice, line_change_request{event_kind::edit, "general", 1, "hello", "e1"});

    auto bob = connect("bob");
    room_.tell(join{bob.session.id(), "bob", bob.session, std::uint64_t{1}, std::uint64_t{0}, false});
    run();
    auto lines = of_type(bob.frames, "message");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(field(lines[0], "text"), "hello");
    auto events = of_type(bob.frames, "event");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(field(events[0], "kind"), "edit");
    EXPECT_EQ(field(events[0], "target"), "1");
}

TEST_F(room_rules_test, leaving_with_forget_gives_the_room_up_with_a_leave_event) {
    stored("general", room_kind::public_room, {row("ann", member_role::admin)});
    make_room("general");
    auto ann = joined("ann");
    auto bob = joined("bob");  // a reader, no member
    room_.tell(chatd::chat::leave{ann.session.id(), std::uint64_t{3}, true});
    room_.tell(chatd::chat::leave{bob.session.id(), std::uint64_t{4}, true});
    run();
    EXPECT_EQ(of_type(ann.frames, "left").size(), 1u);
    EXPECT_EQ(of_type(bob.frames, "left").size(), 1u);
    const auto& rows = db_->rooms["general"];
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].action, member_action::leave);
    EXPECT_EQ(rows[0].subject, "ann");
    EXPECT_EQ(rows[1].action, member_action::leave);
    EXPECT_EQ(rows[1].subject, "bob");
    auto again = joined("ann");
    EXPECT_EQ(field(of_type(again.frames, "joined")[0], "role"), "<absent>") << "no longer an admin";
    EXPECT_EQ(db_->rooms["general"].size(), 2u) << "joining again stores nothing";
}

TEST_F(room_rules_test, leaving_with_forget_takes_the_room_off_the_users_other_connections) {
    stored("!team", room_kind::private_room, {row("ann", member_role::owner), row("bob")});
    make_room("!team");
    auto ann = joined("ann");
    auto ann_phone = connect("ann");
    auto bob = joined("bob");
    auto bob_laptop = joined("bob");   // in the room too
    auto bob_phone = connect("bob");   // signed in, in no room
    room_.tell(chatd::chat::leave{bob.session.id(), std::uint64_t{3}, true});
    run();
    ASSERT_EQ(db_->rooms["!team"].size(), 1u);
    EXPECT_EQ(of_type(bob.frames, "left").size(), 1u);
    EXPECT_TRUE(of_type(bob.frames, "removed").empty()) << "the connection that left has its reply";
    for (const auto* m : {&bob_laptop, &bob_phone}) {
        auto removed = of_type(m->frames, "removed");
        ASSERT_EQ(removed.size(), 1u) << "told once";
        EXPECT_EQ(removed[0].json, R"({"type":"removed","room":"!team","reason":"left"})");
    }
    EXPECT_EQ(of_type(bob_laptop.frames, "unsubscribed").size(), 1u) << "out of the room, as if removed";
    EXPECT_TRUE(of_type(bob_phone.frames, "unsubscribed").empty());
    EXPECT_EQ(users_.pushes, 1) << "one push for the user, within its budget";
    say(ann, "a1", "after");
    EXPECT_TRUE(of_type(bob_laptop.frames, "message").empty()) << "no more of the room reaches it";
    for (const auto* m : {&ann, &ann_phone}) EXPECT_TRUE(of_type(m->frames, "removed").empty()) << "only bob hears";

    // Leaving without forget keeps the membership: nobody else is told.
    room_.tell(chatd::chat::leave{ann.session.id(), std::uint64_t{4}, false});
    run();
    EXPECT_TRUE(of_type(ann_phone.frames, "removed").empty());
    EXPECT_EQ(users_.pushes, 1);
}

TEST_F(room_rules_test, the_server_cannot_post_in_a_room_that_does_not_exist) {
    make_room("!nowhere");
    auto r = room_.ask(chatd::chat::server_post{"system", "s-1", "hello?", 1000}, std::chrono::seconds(10));
    run();
    ASSERT_TRUE(r.get());
    EXPECT_EQ(r.get()->error, chatd::protocol::error_code::not_found);
    EXPECT_TRUE(db_->rooms["!nowhere"].empty());
}

}  // namespace
