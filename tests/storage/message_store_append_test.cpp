// message_store::append_batch: the store numbers each room's messages 1, 2,
// 3..., the numbers survive a restart, a resent line (same room, sender and
// client id) is a duplicate with its original number, and text is stored
// byte for byte.

#include "support.hpp"

#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

using message_store_append_test = store_test;

TEST_F(message_store_append_test, opening_migrates_and_reports_healthy) {
    auto store = open_store();
    EXPECT_GE(store.schema_version(), 1);
    EXPECT_TRUE(store.check().has_value());
}

TEST_F(message_store_append_test, assigns_1_2_3_per_room_independently_in_batch_order) {
    auto store = open_store();
    const auto first = append_ok(store, {msg("a", "ann", "1"), msg("b", "bob", "1"), msg("a", "ann", "2"),
                                         msg("a", "bob", "1"), msg("b", "bob", "2")});
    EXPECT_EQ(first, (std::vector{stored(1), stored(1), stored(2), stored(3), stored(2)}));

    const auto second = append_ok(store, {msg("b", "bob", "3"), msg("a", "ann", "3")});
    EXPECT_EQ(second, (std::vector{stored(3), stored(4)}));

    EXPECT_EQ(store.last_seq("a").value(), 4U);
    EXPECT_EQ(store.last_seq("b").value(), 3U);
    const auto a = all_messages(store, "a");
    ASSERT_EQ(a.size(), 4U);
    EXPECT_EQ(a[0].client_id, "1");
    EXPECT_EQ(a[1].client_id, "2");
    EXPECT_EQ(a[2].sender, "bob");
    EXPECT_EQ(a[3].client_id, "3");
}

TEST_F(message_store_append_test, the_outcome_carries_the_message_timestamp) {
    auto store = open_store();
    const auto out = append_ok(store, {msg("a", "ann", "1", "x", 111), msg("a", "ann", "2", "y", 222)});
    EXPECT_EQ(out, (std::vector{stored(1, 111), stored(2, 222)}));
    const auto a = all_messages(store, "a");
    ASSERT_EQ(a.size(), 2U);
    EXPECT_EQ(a[0].ts_ms, 111);
    EXPECT_EQ(a[1].ts_ms, 222);
}

TEST_F(message_store_append_test, an_empty_batch_stores_nothing) {
    auto store = open_store();
    EXPECT_TRUE(append_ok(store, {}).empty());
    EXPECT_EQ(store.last_seq("a").value(), 0U);
}

TEST_F(message_store_append_test, an_unknown_room_has_last_seq_0) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "1")});
    EXPECT_EQ(store.last_seq("nowhere").value(), 0U);
}

TEST_F(message_store_append_test, sequence_numbers_continue_after_closing_and_reopening) {
    {
        auto store = open_store();
        append_ok(store, {msg("a", "ann", "1"), msg("a", "ann", "2"), msg("b", "bob", "1")});
    }
    auto store = open_store();
    EXPECT_EQ(store.last_seq("a").value(), 2U);
    EXPECT_EQ(append_ok(store, {msg("a", "ann", "3"), msg("b", "bob", "2")}), (std::vector{stored(3), stored(2)}));
}

TEST_F(message_store_append_test, sequence_numbers_never_repeat_even_if_messages_are_pruned) {
    {
        auto store = open_store();
        append_ok(store, {msg("a", "ann", "1"), msg("a", "ann", "2")});
    }
    auto other = other_connection();
    ASSERT_TRUE(other.exec("DELETE FROM messages").has_value());
    auto store = open_store();
    EXPECT_EQ(append_ok(store, {msg("a", "ann", "3")}), (std::vector{stored(3)}));
}

TEST_F(message_store_append_test, a_duplicate_in_the_same_batch_gets_the_original_seq_and_time) {
    auto store = open_store();
    const auto out = append_ok(store, {msg("a", "ann", "c1", "first", 100), msg("a", "ann", "c2", "x", 200),
                                       msg("a", "ann", "c1", "resent", 300)});
    EXPECT_EQ(out, (std::vector{stored(1, 100), stored(2, 200), duplicate(1, 100)}));
    const auto a = all_messages(store, "a");
    ASSERT_EQ(a.size(), 2U);
    EXPECT_EQ(a[0].text, "first");  // nothing of the duplicate was written
    EXPECT_EQ(store.last_seq("a").value(), 2U);
}

TEST_F(message_store_append_test, a_duplicate_across_batches_gets_the_original_seq_and_time) {
    auto store = open_store();
    append_ok(store, {msg("a", "ann", "c1", "first", 100)});
    append_ok(store, {msg("a", "ann", "c2", "second", 200)});
    EXPECT_EQ(append_ok(store, {msg("a", "ann", "c1", "resent", 300), msg("a", "ann", "c3", "third", 400)}),
              (std::vector{duplicate(1, 100), stored(3, 400)}));
    EXPECT_EQ(all_messages(store, "a").size(), 3U);
}

TEST_F(message_store_append_test, a_duplicate_after_reopening_gets_the_original_seq) {
    {
        auto store = open_store();
        append_ok(store, {msg("a", "ann", "c1", "first", 100), msg("a", "ann", "c2", "second", 200)});
    }
    auto store = open_store();
    EXPECT_EQ(append_ok(store, {msg("a", "ann", "c2", "again", 900)}), (std::vector{duplicate(2, 200)}));
    EXPECT_EQ(store.last_seq("a").value(), 2U);
}

TEST_F(message_store_append_test, the_same_client_id_from_another_sender_or_room_is_a_new_message) {
    auto store = open_store();
    const auto out = append_ok(store, {msg("a", "ann", "c1"), msg("a", "bob", "c1"), msg("b", "ann", "c1")});
    EXPECT_EQ(out, (std::vector{stored(1), stored(2), stored(1)}));
    EXPECT_EQ(append_ok(store, {msg("b", "bob", "c1"), msg("a", "cid", "c1")}), (std::vector{stored(2), stored(3)}));
}

TEST_F(message_store_append_test, empty_room_sender_or_client_id_fails_the_whole_batch_before_any_write) {
    auto store = open_store();
    for (const auto& bad : {msg("", "ann", "1"), msg("a", "", "1"), msg("a", "ann", "")}) {
        auto r = store.append_batch(std::vector{msg("a", "ann", "ok"), bad});
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error().code, error_code::misuse);
    }
    EXPECT_EQ(store.last_seq("a").value(), 0U);
}

TEST_F(message_store_append_test, text_is_stored_and_read_back_verbatim) {
    const std::vector<std::string> texts = {
        "it's \"quoted\" `back` \\ slashed",
        "'); DROP TABLE messages; --",
        "Robert'); DELETE FROM rooms WHERE ('1'='1",
        "héllo wörld — 你好 — 🙂👍🏽 — עברית",
        "",
        "line one\nline two\ttabbed\r\n",
        std::string(100000, 'z'),
    };
    std::vector<new_message> batch;
    for (std::size_t i = 0; i < texts.size(); ++i) batch.push_back(msg("a", "ann", std::to_string(i), texts[i]));
    // Names that look like SQL are only values too.
    batch.push_back(msg("x'; DROP TABLE rooms; --", "o'brien", "id\"1", "ok"));

    {
        auto store = open_store();
        append_ok(store, batch);
    }
    auto store = open_store();
    const auto a = all_messages(store, "a");
    ASSERT_EQ(a.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(a[i].text, texts[i]) << "message " << i;
        EXPECT_EQ(a[i].room, "a");
    }
    const auto x = all_messages(store, "x'; DROP TABLE rooms; --");
    ASSERT_EQ(x.size(), 1U);
    EXPECT_EQ(x[0].sender, "o'brien");
    EXPECT_EQ(x[0].client_id, "id\"1");
    EXPECT_EQ(store.last_seq("x'; DROP TABLE rooms; --").value(), 1U);
    EXPECT_TRUE(store.check().has_value());
}

}  // namespace
