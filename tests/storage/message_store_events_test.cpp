// message_store::append_batch with events other than lines: each gets its
// room's next seq and has its side effects in the same transaction (edit,
// delete, reactions, members, topic); the target rules reject without
// using a seq; dedupe by client id is the same as for lines.

#include "support.hpp"

#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

using message_store_events_test = store_test;

constexpr auto not_found = reject_reason::not_found;

TEST_F(message_store_events_test, an_edit_replaces_the_lines_text_and_marks_it_edited) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1", "helo")});
    EXPECT_EQ(append_ok(store, {about(event_kind::edit, "a", "ann", "e1", 1, "hello", 2500)}),
              (std::vector{stored(2, 2500)}));

    const auto line = event_at(store, "a", 1);
    EXPECT_EQ(line.kind, event_kind::line);
    EXPECT_EQ(line.text, "hello");
    EXPECT_EQ(line.edited_ms, 2500);
    EXPECT_FALSE(line.deleted);
    const auto edit = event_at(store, "a", 2);
    EXPECT_EQ(edit.kind, event_kind::edit);
    EXPECT_EQ(edit.target, 1U);
    EXPECT_EQ(edit.text, "hello");
    EXPECT_EQ(edit.sender, "ann");
    EXPECT_EQ(edit.client_id, "e1");
}

TEST_F(message_store_events_test, an_edit_of_another_senders_line_is_forbidden_and_uses_no_seq) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1", "mine")});
    EXPECT_EQ(append_ok(store, {about(event_kind::edit, "a", "bob", "e1", 1, "yours")}),
              (std::vector{rejected(reject_reason::forbidden)}));
    EXPECT_EQ(event_at(store, "a", 1).text, "mine");
    EXPECT_EQ(event_at(store, "a", 1).edited_ms, 0);
    EXPECT_EQ(store.last_seq("a").value(), 1U);
    EXPECT_EQ(append_ok(store, {msg("a", "bob", "1")}), (std::vector{stored(2)}));
}

TEST_F(message_store_events_test, an_event_about_a_seq_that_is_not_a_line_of_the_room_is_not_found) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1"), msg("b", "ann", "1")});
    append_ok(store, {about(event_kind::edit, "a", "ann", "e1", 1, "edited")});  // seq 2 of a: an edit
    for (auto kind : {event_kind::edit, event_kind::delete_line, event_kind::react, event_kind::unreact}) {
        SCOPED_TRACE(std::string(to_string(kind)));
        EXPECT_EQ(append_ok(store, {about(kind, "a", "ann", "x", 99, "y")}), (std::vector{rejected(not_found)}));
        EXPECT_EQ(append_ok(store, {about(kind, "a", "ann", "x", 2, "y")}), (std::vector{rejected(not_found)}));
        EXPECT_EQ(append_ok(store, {about(kind, "c", "ann", "x", 1, "y")}), (std::vector{rejected(not_found)}));
    }
    EXPECT_EQ(store.last_seq("a").value(), 2U);
    EXPECT_EQ(store.last_seq("c").value(), 0U);
    EXPECT_FALSE(store.room("c").value().exists);  // a rejected event makes no room
}

TEST_F(message_store_events_test, a_delete_erases_the_line_and_its_edits_and_keeps_a_tombstone) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1", "first"), about(event_kind::edit, "a", "ann", "e1", 1, "second"),
                      about(event_kind::react, "a", "bob", "r1", 1, "👍"), msg("a", "bob", "2", "other")});
    EXPECT_EQ(append_ok(store, {about(event_kind::delete_line, "a", "carl", "d1", 1, "ignored")}),
              (std::vector{stored(5, 2000)}));

    const auto line = event_at(store, "a", 1);
    EXPECT_TRUE(line.deleted);
    EXPECT_EQ(line.text, "");
    EXPECT_TRUE(line.reactions.empty());
    EXPECT_EQ(line.sender, "ann");  // the tombstone keeps who and when
    EXPECT_EQ(event_at(store, "a", 2).text, "");  // the edit's text goes too
    EXPECT_EQ(event_at(store, "a", 3).text, "👍");  // a reaction is not the line's text
    EXPECT_EQ(event_at(store, "a", 4).text, "other");
    const auto del = event_at(store, "a", 5);
    EXPECT_EQ(del.kind, event_kind::delete_line);
    EXPECT_EQ(del.target, 1U);
    EXPECT_EQ(del.text, "");

    // A tombstone is not a line any more.
    for (auto kind : {event_kind::edit, event_kind::delete_line, event_kind::react, event_kind::unreact})
        EXPECT_EQ(append_ok(store, {about(kind, "a", "ann", "late", 1, "x")}), (std::vector{rejected(not_found)}));
}

TEST_F(message_store_events_test, reactions_are_the_current_set_by_emoji_and_reacting_twice_changes_nothing) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1"), msg("a", "ann", "2")});
    const auto out = append_ok(store, {about(event_kind::react, "a", "bob", "r1", 1, "👍"),
                                       about(event_kind::react, "a", "ann", "r2", 1, "👍"),
                                       about(event_kind::react, "a", "ann", "r3", 1, "🎉"),
                                       about(event_kind::react, "a", "ann", "r4", 1, "👍")});
    EXPECT_EQ(out, (std::vector{stored(3, 2000), stored(4, 2000), stored(5, 2000), stored(6, 2000)}));
    const std::vector<reaction> both{{"🎉", {"ann"}}, {"👍", {"ann", "bob"}}};
    EXPECT_EQ(event_at(store, "a", 1).reactions, both);
    EXPECT_TRUE(event_at(store, "a", 2).reactions.empty());
    // history carries them as since does.
    EXPECT_EQ(store.history("a", std::nullopt, 10).value().messages.front().reactions, both);

    append_ok(store, {about(event_kind::unreact, "a", "bob", "u1", 1, "👍"),
                      about(event_kind::unreact, "a", "bob", "u2", 1, "🎉")});  // never added: no change
    EXPECT_EQ(event_at(store, "a", 1).reactions, (std::vector<reaction>{{"🎉", {"ann"}}, {"👍", {"ann"}}}));
}

TEST_F(message_store_events_test, member_events_keep_the_members_table) {
    auto store = open_store();
    auto row_of = [&](const std::string& user) -> std::optional<member_row> {
        const auto state = store.room("a").value();
        for (const auto& m : state.members)
            if (m.user == user) return m;
        return std::nullopt;
    };
    append_ok(store, {member("a", "bob", "j1", member_action::join, "bob"),
                      member("a", "ann", "i1", member_action::invite, "carl", member_role::admin)});
    EXPECT_EQ(row_of("bob"), (member_row{"bob", member_role::member, true, 0, 0, 3000}));
    EXPECT_EQ(row_of("carl"), (member_row{"carl", member_role::admin, true, 0, 0, 3000}));

    append_ok(store, {member("a", "ann", "r1", member_action::role, "bob", member_role::owner),
                      member("a", "ann", "m1", member_action::mute, "carl", member_role::member, 5000)});
    EXPECT_EQ(row_of("bob")->role, member_role::owner);
    EXPECT_EQ(row_of("carl")->muted_until, 5000);
    EXPECT_TRUE(row_of("carl")->is_member);

    append_ok(store, {member("a", "ann", "m2", member_action::mute, "carl"),  // 0: until unmuted
                      member("a", "ann", "b1", member_action::ban, "bob")});
    EXPECT_EQ(row_of("carl")->muted_until, forever_ms);
    EXPECT_EQ(row_of("bob"), (member_row{"bob", member_role::member, false, forever_ms, 0, 3000}));
    EXPECT_TRUE(in_force(row_of("bob")->banned_until, 4'000'000'000'000));

    append_ok(store, {member("a", "ann", "u1", member_action::unmute, "carl"),
                      member("a", "ann", "u2", member_action::unban, "bob"),
                      member("a", "carl", "l1", member_action::leave, "carl")});
    EXPECT_EQ(row_of("bob"), std::nullopt);  // neither member nor sanctioned: nothing to keep
    EXPECT_EQ(row_of("carl"), std::nullopt);

    // The log holds each event's fields.
    const auto invite = event_at(store, "a", 2);
    EXPECT_EQ(invite.kind, event_kind::member);
    EXPECT_EQ(invite.sender, "ann");
    EXPECT_EQ(invite.subject, "carl");
    EXPECT_EQ(invite.action, member_action::invite);
    EXPECT_EQ(invite.role, member_role::admin);
    const auto mute = event_at(store, "a", 4);
    EXPECT_EQ(mute.action, member_action::mute);
    EXPECT_EQ(mute.until_ms, 5000);
}

TEST_F(message_store_events_test, a_second_join_keeps_the_role_and_a_rejoin_after_leaving_takes_the_new_one) {
    auto store = open_store();
    append_ok(store, {member("a", "ann", "i1", member_action::invite, "bob", member_role::admin),
                      member("a", "bob", "j1", member_action::join, "bob")});
    EXPECT_EQ(store.room("a").value().members.at(0).role, member_role::admin);
    append_ok(store, {member("a", "bob", "l1", member_action::leave, "bob"),
                      member("a", "bob", "j2", member_action::join, "bob")});
    EXPECT_EQ(store.room("a").value().members.at(0).role, member_role::member);
}

TEST_F(message_store_events_test, a_topic_event_sets_the_rooms_topic) {
    auto store = open_store();
    new_message topic = msg("a", "ann", "t1", "release day");
    topic.kind = event_kind::topic;
    EXPECT_EQ(append_ok(store, {topic}), (std::vector{stored(1)}));
    EXPECT_EQ(store.room("a").value().room.topic, "release day");
    EXPECT_EQ(event_at(store, "a", 1).kind, event_kind::topic);
    EXPECT_EQ(event_at(store, "a", 1).text, "release day");
}

TEST_F(message_store_events_test, a_resent_event_is_a_duplicate_even_after_its_line_was_deleted) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1"), about(event_kind::react, "a", "bob", "r1", 1, "👍", 2100)});
    append_ok(store, {about(event_kind::delete_line, "a", "ann", "d1", 1)});
    EXPECT_EQ(append_ok(store, {about(event_kind::react, "a", "bob", "r1", 1, "👍", 9999)}),
              (std::vector{duplicate(2, 2100)}));
    EXPECT_EQ(store.last_seq("a").value(), 3U);
}

TEST_F(message_store_events_test, an_event_sees_the_events_before_it_in_its_batch_and_a_rejection_stops_nothing) {
    auto store = open_store();
    const auto out = append_ok(store, {msg("a", "ann", "1", "x"), about(event_kind::edit, "a", "ann", "e1", 1, "y"),
                                       about(event_kind::edit, "a", "bob", "e2", 1, "z"),
                                       about(event_kind::react, "a", "bob", "r1", 1, "👍"),
                                       about(event_kind::delete_line, "a", "ann", "d1", 1),
                                       about(event_kind::edit, "a", "ann", "e3", 1, "w"), msg("a", "bob", "1")});
    EXPECT_EQ(out, (std::vector{stored(1), stored(2, 2000), rejected(reject_reason::forbidden), stored(3, 2000),
                                stored(4, 2000), rejected(not_found), stored(5)}));
}

TEST_F(message_store_events_test, an_event_never_creates_a_room_with_a_server_assigned_name) {
    auto store = open_store();
    EXPECT_EQ(append_ok(store, {msg("!abcdef", "ann", "1"), member("!abcdef", "ann", "j", member_action::join, "ann")}),
              (std::vector{rejected(not_found), rejected(not_found)}));
    EXPECT_FALSE(store.room("!abcdef").value().exists);
    // A public name is created by its first event, public and with no owner, as before.
    append_ok(store, {msg("abcdef", "ann", "1")});
    const auto state = store.room("abcdef").value();
    EXPECT_TRUE(state.exists);
    EXPECT_EQ(state.room.kind, room_kind::public_room);
    EXPECT_EQ(state.room.created_by, "");
}

TEST_F(message_store_events_test, an_event_missing_what_its_kind_needs_fails_the_batch_before_any_write) {
    auto store = open_store();
    auto no_subject = member("a", "ann", "m", member_action::join, "");
    auto no_target = about(event_kind::edit, "a", "ann", "e", 0, "x");
    auto no_emoji = about(event_kind::react, "a", "ann", "r", 1, "");
    for (const auto& bad : {no_subject, no_target, no_emoji}) {
        auto r = store.append_batch(std::vector{msg("a", "ann", "1"), bad});
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, error_code::misuse);
    }
    EXPECT_EQ(store.last_seq("a").value(), 0U);
}

}  // namespace
