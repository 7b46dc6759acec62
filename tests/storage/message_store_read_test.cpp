// message_store::history and ::since: pages in ascending order, has_more in
// the direction asked, limits 1..100 enforced as errors.

#include "support.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

class message_store_read_test : public store_test {
protected:
    message_store_read_test() : store_(open_store()) {}

    /// Appends n messages to `room` (seq 1..n), texts "<room>#<seq>".
    void fill(const std::string& room, int n) {
        std::vector<new_message> batch;
        for (int i = 1; i <= n; ++i)
            batch.push_back(msg(room, "ann", std::to_string(i), room + "#" + std::to_string(i), 1000 + i));
        append_ok(store_, batch);
    }

    static std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
        std::vector<std::uint64_t> out;
        for (auto s = from; s <= to; ++s) out.push_back(s);
        return out;
    }

    message_store store_;
};

TEST_F(message_store_read_test, history_without_before_returns_the_newest_page_ascending) {
    fill("a", 25);
    fill("b", 3);
    auto p = store_.history("a", std::nullopt, 10);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(seqs(*p), range(16, 25));
    EXPECT_TRUE(p->has_more);
    EXPECT_EQ(p->messages.back().text, "a#25");
    EXPECT_EQ(p->messages.back().ts_ms, 1025);
    EXPECT_EQ(p->messages.back().room, "a");
}

TEST_F(message_store_read_test, history_pages_backwards_until_has_more_is_false) {
    fill("a", 25);
    auto p1 = store_.history("a", std::nullopt, 10).value();
    auto p2 = store_.history("a", p1.messages.front().seq, 10).value();
    auto p3 = store_.history("a", p2.messages.front().seq, 10).value();
    EXPECT_EQ(seqs(p2), range(6, 15));
    EXPECT_TRUE(p2.has_more);
    EXPECT_EQ(seqs(p3), range(1, 5));
    EXPECT_FALSE(p3.has_more);
}

TEST_F(message_store_read_test, history_has_no_more_when_the_page_ends_exactly_at_the_first_message) {
    fill("a", 20);
    auto p = store_.history("a", 11, 10).value();
    EXPECT_EQ(seqs(p), range(1, 10));
    EXPECT_FALSE(p.has_more);
    auto all = store_.history("a", std::nullopt, 20).value();
    EXPECT_EQ(seqs(all), range(1, 20));
    EXPECT_FALSE(all.has_more);
}

TEST_F(message_store_read_test, history_before_the_first_message_or_of_an_unknown_room_is_empty) {
    fill("a", 3);
    for (auto p : {store_.history("a", 1, 10).value(), store_.history("a", 0, 10).value(),
                   store_.history("zzz", std::nullopt, 10).value()}) {
        EXPECT_TRUE(p.messages.empty());
        EXPECT_FALSE(p.has_more);
    }
}

TEST_F(message_store_read_test, history_with_a_huge_before_returns_the_newest) {
    fill("a", 3);
    auto p = store_.history("a", std::numeric_limits<std::uint64_t>::max(), 2).value();
    EXPECT_EQ(seqs(p), range(2, 3));
    EXPECT_TRUE(p.has_more);
}

TEST_F(message_store_read_test, since_replays_in_order_with_has_more) {
    fill("a", 25);
    fill("b", 5);
    auto p1 = store_.since("a", 3, 10).value();
    EXPECT_EQ(seqs(p1), range(4, 13));
    EXPECT_TRUE(p1.has_more);
    auto p2 = store_.since("a", p1.messages.back().seq, 10).value();
    EXPECT_EQ(seqs(p2), range(14, 23));
    EXPECT_TRUE(p2.has_more);
    auto p3 = store_.since("a", p2.messages.back().seq, 10).value();
    EXPECT_EQ(seqs(p3), range(24, 25));
    EXPECT_FALSE(p3.has_more);
    EXPECT_EQ(p3.messages.back().text, "a#25");
}

TEST_F(message_store_read_test, since_has_no_more_when_the_page_ends_exactly_at_the_last_message) {
    fill("a", 20);
    auto p = store_.since("a", 10, 10).value();
    EXPECT_EQ(seqs(p), range(11, 20));
    EXPECT_FALSE(p.has_more);
}

TEST_F(message_store_read_test, since_the_last_seq_or_beyond_or_in_an_unknown_room_is_empty) {
    fill("a", 5);
    for (auto p : {store_.since("a", 5, 10).value(), store_.since("a", 99, 10).value(),
                   store_.since("a", std::numeric_limits<std::uint64_t>::max(), 10).value(),
                   store_.since("zzz", 0, 10).value()}) {
        EXPECT_TRUE(p.messages.empty());
        EXPECT_FALSE(p.has_more);
    }
}

TEST_F(message_store_read_test, since_sees_new_messages_appended_after_a_replay) {
    fill("a", 2);
    auto p = store_.since("a", 0, 10).value();
    EXPECT_EQ(seqs(p), range(1, 2));
    append_ok(store_, {msg("a", "bob", "x")});
    EXPECT_EQ(seqs(store_.since("a", 2, 10).value()), range(3, 3));
}

TEST_F(message_store_read_test, limits_outside_1_to_100_are_errors_not_crashes) {
    fill("a", 150);
    for (std::size_t bad : {std::size_t{0}, std::size_t{101}, std::numeric_limits<std::size_t>::max()}) {
        auto h = store_.history("a", std::nullopt, bad);
        ASSERT_FALSE(h.has_value()) << bad;
        EXPECT_EQ(h.error().code, error_code::misuse);
        auto s = store_.since("a", 0, bad);
        ASSERT_FALSE(s.has_value()) << bad;
        EXPECT_EQ(s.error().code, error_code::misuse);
    }
    EXPECT_EQ(store_.history("a", std::nullopt, 1).value().messages.size(), 1U);
    EXPECT_EQ(store_.history("a", std::nullopt, 100).value().messages.size(), 100U);
    EXPECT_EQ(store_.since("a", 0, 1).value().messages.size(), 1U);
    EXPECT_EQ(store_.since("a", 0, 100).value().messages.size(), 100U);
}

}  // namespace
