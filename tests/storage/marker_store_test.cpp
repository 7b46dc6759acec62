// Read markers: they only move forward and never past the room's last seq;
// unread counts lines (not deleted, not one's own) after the marker, and
// mentions those of them that mention the user; joining starts the marker
// at the join.

#include "support.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

using marker_store_test = store_test;

read_mark mark(std::string user, std::string room, std::uint64_t seq) {
    return read_mark{std::move(user), std::move(room), seq};
}

// The user's entry for room in rooms_of, or an empty one.
user_room listed(message_store& store, const std::string& user, const std::string& room) {
    const auto rooms = store.rooms_of(user).value();
    const auto it = std::find_if(rooms.begin(), rooms.end(), [&](const auto& r) { return r.room == room; });
    EXPECT_NE(it, rooms.end()) << user << " is not listed in " << room;
    return it == rooms.end() ? user_room{} : *it;
}

TEST_F(marker_store_test, unread_counts_other_peoples_lines_after_the_marker_and_mentions_those_naming_the_user) {
    auto store = open_store();
    new_message topic = msg("a", "bob", "t", "topic");
    topic.kind = event_kind::topic;
    append_ok(store, {member("a", "ann", "j", member_action::join, "ann"),  // 1: ann's marker starts here
                      msg("a", "bob", "1", "hi"),                           // 2
                      mentioning("a", "bob", "2", {"ann"}),                 // 3
                      mentioning("a", "ann", "1", {"ann", "bob"}),          // 4: ann's own; mentions bob only
                      msg("a", "bob", "3"),                                 // 5: deleted below
                      about(event_kind::delete_line, "a", "bob", "d", 5),       // 6
                      topic,                                                // 7: not a line
                      about(event_kind::react, "a", "bob", "r", 2, "👍")});  // 8: not a line

    const auto ann = listed(store, "ann", "a");
    EXPECT_EQ(ann.last_seq, 8U);
    EXPECT_EQ(ann.read, 1U);
    EXPECT_EQ(ann.unread, 2U);  // 2 and 3
    EXPECT_EQ(ann.mentions, 1U);

    EXPECT_EQ(store.mark_read(mark("ann", "a", 2)).value(), (mark_outcome{true, 2, 1, 1}));
    EXPECT_EQ(store.mark_read(mark("ann", "a", 3)).value(), (mark_outcome{true, 3, 0, 0}));
    // bob never read: ann's line 4 is unread and mentions him.
    EXPECT_EQ(store.mark_read(mark("bob", "a", 0)).value(), (mark_outcome{true, 0, 1, 1}));
}

TEST_F(marker_store_test, a_marker_only_moves_forward_and_stops_at_the_last_seq) {
    auto store = open_store();
    append_ok(store, {member("a", "ann", "j", member_action::join, "ann"), msg("a", "bob", "1"), msg("a", "bob", "2")});
    EXPECT_EQ(store.mark_read(mark("ann", "a", 2)).value().seq, 2U);
    EXPECT_EQ(store.mark_read(mark("ann", "a", 1)).value(), (mark_outcome{true, 2, 1, 0}));
    EXPECT_EQ(store.mark_read(mark("ann", "a", 1'000'000)).value(), (mark_outcome{true, 3, 0, 0}));
    // Lines after a marker at the end are unread again.
    append_ok(store, {mentioning("a", "bob", "3", {"ann"})});
    EXPECT_EQ(listed(store, "ann", "a").read, 3U);
    EXPECT_EQ(listed(store, "ann", "a").unread, 1U);
    EXPECT_EQ(listed(store, "ann", "a").mentions, 1U);
}

TEST_F(marker_store_test, a_marker_in_a_server_named_room_that_does_not_exist_is_not_found_and_not_stored) {
    auto store = open_store();
    EXPECT_EQ(store.mark_read(mark("ann", "!nowhere", 5)).value(), (mark_outcome{false, 0, 0, 0}));
    EXPECT_FALSE(store.room("!nowhere").value().exists);
}

// A public room joined before its first line has no row yet; a read there
// stores it (as the line would), so the room is among the reader's rooms.
TEST_F(marker_store_test, a_marker_in_a_public_room_with_no_line_yet_stores_the_room) {
    auto store = open_store();
    EXPECT_EQ(store.mark_read(mark("ann", "lounge", 5)).value(), (mark_outcome{true, 0, 0, 0}));
    EXPECT_TRUE(store.room("lounge").value().exists);
    EXPECT_EQ(listed(store, "ann", "lounge").room, "lounge");
}

TEST_F(marker_store_test, a_marker_in_a_batch_sees_the_lines_before_it_and_not_those_after) {
    auto store = open_store();
    const std::vector<write_op> batch{write_op{msg("a", "bob", "1")}, write_op{mark("ann", "a", 99)},
                                   write_op{msg("a", "bob", "2")}, write_op{msg("a", "bob", "3")}};
    const auto out = store.write_batch(batch).value();
    ASSERT_EQ(out.size(), 4U);
    EXPECT_EQ(std::get<mark_outcome>(out[1]), (mark_outcome{true, 1, 0, 0}));
    EXPECT_EQ(std::get<append_outcome>(out[3]), stored(3));
    EXPECT_EQ(store.mark_read(mark("ann", "a", 0)).value(), (mark_outcome{true, 1, 2, 0}));
}

TEST_F(marker_store_test, joining_starts_the_marker_at_the_join_so_the_past_is_not_unread) {
    auto store = open_store();
    append_ok(store, {msg("a", "bob", "1"), mentioning("a", "bob", "2", {"ann"}), msg("a", "bob", "3")});
    append_ok(store, {member("a", "ann", "j", member_action::join, "ann")});
    EXPECT_EQ(listed(store, "ann", "a").read, 4U);
    EXPECT_EQ(listed(store, "ann", "a").unread, 0U);
    EXPECT_EQ(listed(store, "ann", "a").mentions, 0U);
    append_ok(store, {msg("a", "bob", "4")});
    EXPECT_EQ(listed(store, "ann", "a").unread, 1U);
}

TEST_F(marker_store_test, an_edit_replaces_its_lines_mentions_and_a_delete_drops_them) {
    auto store = open_store();
    auto edit = [](std::string cid, std::vector<std::string> users) {
        auto e = about(event_kind::edit, "a", "bob", std::move(cid), 1, "now");
        e.mentions = std::move(users);
        return e;
    };
    append_ok(store, {mentioning("a", "bob", "1", {"ann"})});
    EXPECT_EQ(store.mark_read(mark("ann", "a", 0)).value().mentions, 1U);
    append_ok(store, {edit("e1", {"carl"})});
    EXPECT_EQ(store.mark_read(mark("ann", "a", 0)).value().mentions, 0U);
    EXPECT_EQ(store.mark_read(mark("carl", "a", 0)).value(), (mark_outcome{true, 0, 1, 1}));
    append_ok(store, {about(event_kind::delete_line, "a", "bob", "d", 1)});
    EXPECT_EQ(store.mark_read(mark("carl", "a", 0)).value(), (mark_outcome{true, 0, 0, 0}));
}

TEST_F(marker_store_test, counts_stop_at_max_counted) {
    auto store = open_store();
    std::vector<new_message> lines;
    for (std::uint64_t i = 0; i < max_counted + 5; ++i)
        lines.push_back(mentioning("a", "bob", std::to_string(i), {"ann"}));
    append_ok(store, lines);
    EXPECT_EQ(store.mark_read(mark("ann", "a", 0)).value(), (mark_outcome{true, 0, max_counted, max_counted}));
    EXPECT_EQ(store.mark_read(mark("ann", "a", 10)).value(),
              (mark_outcome{true, 10, max_counted - 5, max_counted - 5}));
}

}  // namespace
