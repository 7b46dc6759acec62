// Which users a line's text mentions (docs/protocol.md, "Read markers,
// unread and mentions"): the parser alone, then a room filling the rows it
// stores, so storage can count them.

#include "chat/mentions.hpp"
#include "room_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace {

using chatd::chat::find_mentions;
using chatd::chat::max_mentions;
using chatd::protocol::line_change_request;
using chatd::storage::event_kind;
using chatd::storage::room_kind;
using chatd::test::row;
using strings = std::vector<std::string>;

strings mentions(std::string_view text, const std::set<std::string>& users, std::string_view sender = "me") {
    return find_mentions(text, sender, [&](const std::string& u) { return users.contains(u); });
}

TEST(find_mentions, names_each_known_user_once_in_order_and_never_the_sender) {
    const std::set<std::string> users{"ann", "bob", "me"};
    EXPECT_EQ(mentions("@bob and @ann, then @bob again; @me too", users), (strings{"bob", "ann"}));
    EXPECT_EQ(mentions("@carol is not here", users), strings{});
    EXPECT_EQ(mentions("no at sign", users), strings{});
}

TEST(find_mentions, a_name_ends_where_no_word_can_go_on) {
    const std::set<std::string> users{"bob", "bob.smith"};
    EXPECT_EQ(mentions("thanks @bob.", users), strings{"bob"});
    EXPECT_EQ(mentions("@bob, @bob: @bob! (@bob)", users), strings{"bob"});
    EXPECT_EQ(mentions("@bobby", users), strings{});
    EXPECT_EQ(mentions("@bob_", users), strings{});
    EXPECT_EQ(mentions("@bob-jones", {"bob"}), strings{}) << "'-' then a letter goes on the word";
    EXPECT_EQ(mentions("@bob.smith hi", users), strings{"bob.smith"}) << "the longest name that fits";
    EXPECT_EQ(mentions("@bob.smithers", users), strings{});
    EXPECT_EQ(mentions("ça va @bob?", users), strings{"bob"});
    EXPECT_EQ(mentions("@bobé", {"bob", "bobé"}), strings{"bobé"});
}

TEST(find_mentions, an_at_inside_a_word_is_no_mention) {
    EXPECT_EQ(mentions("write to mail@bob or @bob", {"bob"}), strings{"bob"});
    EXPECT_EQ(mentions("mail@bob", {"bob"}), strings{});
    EXPECT_EQ(mentions("(@bob)", {"bob"}), strings{"bob"});
}

TEST(find_mentions, names_may_hold_spaces_punctuation_and_the_guest_prefix) {
    const std::set<std::string> users{"ann", "ann lee", "guest:gus", "Zoë", "日本"};
    EXPECT_EQ(mentions("@ann lee, see @ann", users), (strings{"ann lee", "ann"}));
    EXPECT_EQ(mentions("@guest:gus hi", users), strings{"guest:gus"});
    EXPECT_EQ(mentions("@gus hi", users), strings{}) << "ids are compared exactly";
    EXPECT_EQ(mentions("@zoë @Zoë", users), strings{"Zoë"}) << "case counts";
    EXPECT_EQ(mentions("@日本さん", users), strings{"日本"});
}

TEST(find_mentions, a_line_mentions_at_most_max_mentions_users) {
    std::set<std::string> users;
    std::string text;
    for (int i = 0; i < 50; ++i) {
        users.insert("u" + std::to_string(i));
        text += "@u" + std::to_string(i) + " ";
    }
    const auto found = mentions(text, users);
    ASSERT_EQ(found.size(), max_mentions);
    EXPECT_EQ(found.front(), "u0");
    EXPECT_EQ(found.back(), "u" + std::to_string(max_mentions - 1));
}

TEST(find_mentions, a_line_of_at_signs_is_looked_at_a_bounded_number_of_times) {
    std::size_t lookups = 0;
    const std::string text(4096, '@');
    find_mentions(text, "me", [&](const std::string&) {
        ++lookups;
        return false;
    });
    EXPECT_LE(lookups, chatd::chat::max_mention_marks * chatd::chat::max_mention_bytes);
}

// ---- the room fills what it stores ---------------------------------------------

using room_mentions_test = chatd::test::room_fixture;

TEST_F(room_mentions_test, a_line_names_members_and_users_in_the_room_but_not_strangers_or_its_sender) {
    // ann is a member but not connected; carl is connected to the public room
    // (and becomes a member by joining); dan is nobody here.
    stored("general", room_kind::public_room, {row("ann"), row("bob")});
    make_room("general");
    auto bob = joined("bob");
    auto carl = joined("carl");
    say(bob, "b1", "@ann @carl @dan @bob look");
    const auto& rows = db_->appended;
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows.back().kind, event_kind::line);
    EXPECT_EQ(rows.back().mentions, (strings{"ann", "carl"}));
}

TEST_F(room_mentions_test, an_edit_carries_the_mentions_of_its_new_text) {
    stored("general", room_kind::public_room, {row("ann"), row("bob")});
    make_room("general");
    auto bob = joined("bob");
    say(bob, "b1", "hi @ann");
    ask_change(bob, line_change_request{event_kind::edit, "general", 1, "hi all", "e1"});
    ask_change(bob, line_change_request{event_kind::edit, "general", 1, "hi @ann!", "e2"});
    std::vector<strings> edits;
    for (const auto& r : db_->appended)
        if (r.kind == event_kind::edit) edits.push_back(r.mentions);
    ASSERT_EQ(edits.size(), 2u);
    EXPECT_EQ(edits[0], strings{}) << "the edit takes the mention away";
    EXPECT_EQ(edits[1], strings{"ann"});
}

TEST_F(room_mentions_test, a_server_post_mentions_too) {
    stored("general", room_kind::public_room, {row("ann")});
    make_room("general");
    auto r = room_.ask(chatd::chat::server_post{"system", "s-1", "@ann, welcome", 1000}, std::chrono::seconds(10));
    run();
    ASSERT_TRUE(r.get());
    ASSERT_FALSE(db_->appended.empty());
    EXPECT_EQ(db_->appended.back().mentions, strings{"ann"});
}

}  // namespace
