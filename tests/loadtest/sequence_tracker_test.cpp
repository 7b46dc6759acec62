// Gap and duplicate accounting by sequence number, per room per receiver.

#include "sequence_tracker.hpp"

#include <gtest/gtest.h>

using chatd::load::sequence_tracker;
using verdict = sequence_tracker::verdict;

TEST(sequence_tracker, in_order_after_join) {
    sequence_tracker t;
    t.start(41);  // joined said last_seq 41
    for (std::uint64_t s = 42; s <= 50; ++s) EXPECT_EQ(t.receive(s), verdict::in_order);
    EXPECT_EQ(t.gaps(), 0u);
    EXPECT_EQ(t.duplicates(), 0u);
    EXPECT_EQ(t.received(), 9u);
    EXPECT_EQ(t.last(), 50u);
}

TEST(sequence_tracker, first_message_after_join_missing_is_a_gap) {
    sequence_tracker t;
    t.start(41);
    EXPECT_EQ(t.receive(43), verdict::gap);  // 42 never came
    EXPECT_EQ(t.gaps(), 1u);
    EXPECT_EQ(t.gap_events(), 1u);
}

TEST(sequence_tracker, a_jump_counts_every_missing_seq) {
    sequence_tracker t;
    t.start(0);
    t.receive(1);
    EXPECT_EQ(t.receive(5), verdict::gap);
    EXPECT_EQ(t.receive(6), verdict::in_order);
    EXPECT_EQ(t.gaps(), 3u);  // 2, 3, 4
    EXPECT_EQ(t.gap_events(), 1u);
}

TEST(sequence_tracker, a_repeat_is_a_duplicate) {
    sequence_tracker t;
    t.start(0);
    t.receive(1);
    t.receive(2);
    EXPECT_EQ(t.receive(2), verdict::duplicate);
    EXPECT_EQ(t.receive(1), verdict::duplicate);
    EXPECT_EQ(t.duplicates(), 2u);
    EXPECT_EQ(t.gaps(), 0u);
    EXPECT_EQ(t.receive(3), verdict::in_order);
}

TEST(sequence_tracker, a_late_seq_fills_its_gap_and_counts_out_of_order) {
    sequence_tracker t;
    t.start(0);
    t.receive(1);
    t.receive(4);  // 2 and 3 missing
    EXPECT_EQ(t.receive(3), verdict::out_of_order);
    EXPECT_EQ(t.gaps(), 1u);
    EXPECT_EQ(t.receive(2), verdict::out_of_order);
    EXPECT_EQ(t.gaps(), 0u);
    EXPECT_EQ(t.out_of_order(), 2u);
    EXPECT_EQ(t.receive(3), verdict::duplicate);  // already filled
    EXPECT_EQ(t.receive(5), verdict::in_order);
}

TEST(sequence_tracker, filling_the_middle_of_a_gap_splits_it) {
    sequence_tracker t;
    t.start(0);
    t.receive(10);  // 1..9 missing
    EXPECT_EQ(t.receive(5), verdict::out_of_order);
    EXPECT_EQ(t.receive(1), verdict::out_of_order);
    EXPECT_EQ(t.receive(9), verdict::out_of_order);
    EXPECT_EQ(t.receive(5), verdict::duplicate);
    EXPECT_EQ(t.gaps(), 6u);  // 2,3,4,6,7,8
    for (std::uint64_t s : {2, 3, 4, 6, 7, 8}) EXPECT_EQ(t.receive(s), verdict::out_of_order) << s;
    EXPECT_EQ(t.gaps(), 0u);
}

TEST(sequence_tracker, seqs_from_before_the_join_are_duplicates) {
    sequence_tracker t;
    t.start(100);
    EXPECT_EQ(t.receive(100), verdict::duplicate);
    EXPECT_EQ(t.receive(7), verdict::duplicate);
    EXPECT_EQ(t.gaps(), 0u);
}

TEST(sequence_tracker, without_a_join_the_first_message_starts_the_stream) {
    sequence_tracker t;
    EXPECT_FALSE(t.started());
    EXPECT_EQ(t.receive(17), verdict::in_order);
    EXPECT_TRUE(t.started());
    EXPECT_EQ(t.receive(18), verdict::in_order);
    EXPECT_EQ(t.gaps(), 0u);
}

TEST(sequence_tracker, a_rejoin_resets_what_is_expected_but_keeps_the_counts) {
    sequence_tracker t;
    t.start(0);
    t.receive(1);
    t.receive(3);  // 2 missing
    EXPECT_EQ(t.gaps(), 1u);
    // Reconnected and joined again: the room is at 20 now; what came between
    // was not for this join.
    t.start(20);
    EXPECT_EQ(t.receive(21), verdict::in_order);
    EXPECT_EQ(t.receive(2), verdict::duplicate);  // the old gap is no longer awaited
    EXPECT_EQ(t.gaps(), 1u);
    EXPECT_EQ(t.gap_events(), 1u);
}

TEST(sequence_tracker, receivers_and_rooms_are_independent) {
    // One tracker per (receiver, room): a gap in one is nothing to another.
    sequence_tracker alice_general, bob_general, alice_random;
    alice_general.start(0);
    bob_general.start(0);
    alice_random.start(5);
    for (std::uint64_t s = 1; s <= 3; ++s) bob_general.receive(s);
    alice_general.receive(1);
    alice_general.receive(3);
    alice_random.receive(6);
    alice_random.receive(6);
    EXPECT_EQ(alice_general.gaps(), 1u);
    EXPECT_EQ(alice_general.duplicates(), 0u);
    EXPECT_EQ(bob_general.gaps(), 0u);
    EXPECT_EQ(bob_general.duplicates(), 0u);
    EXPECT_EQ(alice_random.gaps(), 0u);
    EXPECT_EQ(alice_random.duplicates(), 1u);
}

TEST(sequence_tracker, memory_is_bounded_the_oldest_gap_is_given_up) {
    sequence_tracker t;
    t.start(0);
    // max_ranges + 1 separate gaps: seq 2, 4, 6, ... missing.
    std::uint64_t s = 1;
    for (std::size_t i = 0; i <= sequence_tracker::max_ranges; ++i) {
        t.receive(s);
        s += 2;
    }
    t.receive(s);
    EXPECT_EQ(t.gaps(), sequence_tracker::max_ranges + 1);
    // The oldest (2) is no longer awaited: its late arrival is a duplicate
    // and it stays missing; the newest is still awaited.
    EXPECT_EQ(t.receive(2), verdict::duplicate);
    EXPECT_EQ(t.receive(s - 1), verdict::out_of_order);
    EXPECT_EQ(t.gaps(), sequence_tracker::max_ranges);
}
