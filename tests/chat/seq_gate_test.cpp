// seq_gate: what a room's members would see of events that come in any
// order, twice, or not at all.

#include "chat/seq_gate.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using chatd::chat::cluster_event;
using chatd::chat::seq_gate;

cluster_event ev(std::uint64_t seq) {
    return cluster_event{seq, std::make_shared<const std::string>("e" + std::to_string(seq)), {}};
}

struct seen_by_members {
    std::vector<std::uint64_t> seqs;
    seq_gate::release_fn fn() {
        return [this](const cluster_event& e) { seqs.push_back(e.seq); };
    }
};

TEST(seq_gate, events_in_order_go_through_at_once) {
    seq_gate g;
    g.start(4);
    seen_by_members m;
    EXPECT_TRUE(g.offer(ev(5), m.fn()));
    EXPECT_TRUE(g.offer(ev(6), m.fn()));
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{5, 6}));
    EXPECT_FALSE(g.gap());
    EXPECT_EQ(g.delivered(), 6u);
}

TEST(seq_gate, an_early_event_waits_for_the_ones_before_it_then_all_go_in_order) {
    seq_gate g;
    g.start(0);
    seen_by_members m;
    g.offer(ev(3), m.fn());
    g.offer(ev(2), m.fn());
    EXPECT_TRUE(m.seqs.empty()) << "an event went out before its predecessor";
    EXPECT_TRUE(g.gap());
    EXPECT_EQ(g.fill_from(), 1u);
    g.offer(ev(1), m.fn());
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_FALSE(g.gap());
    EXPECT_EQ(g.held(), 0u);
}

TEST(seq_gate, an_event_already_let_through_is_dropped) {
    seq_gate g;
    g.start(0);
    seen_by_members m;
    g.offer(ev(1), m.fn());
    g.offer(ev(2), m.fn());
    EXPECT_FALSE(g.offer(ev(1), m.fn()));  // the room's own event, back from the bus
    EXPECT_FALSE(g.offer(ev(2), m.fn()));
    g.offer(ev(4), m.fn());
    EXPECT_FALSE(g.offer(ev(4), m.fn())) << "held twice";
    g.offer(ev(3), m.fn());
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST(seq_gate, events_before_the_start_are_dropped) {
    seq_gate g;
    g.start(10);
    seen_by_members m;
    EXPECT_FALSE(g.offer(ev(10), m.fn()));
    EXPECT_FALSE(g.offer(ev(3), m.fn()));
    EXPECT_TRUE(m.seqs.empty());
    EXPECT_FALSE(g.gap());
}

TEST(seq_gate, a_seq_heard_of_without_its_content_is_a_gap_to_fill) {
    seq_gate g;
    g.start(2);
    seen_by_members m;
    EXPECT_FALSE(g.offer(cluster_event{5, nullptr, {}}, m.fn()));
    EXPECT_TRUE(g.gap());
    EXPECT_EQ(g.known(), 5u);
    EXPECT_EQ(g.fill_from(), 3u);
    for (std::uint64_t s = 3; s <= 5; ++s) g.offer(ev(s), m.fn());  // the store's page
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{3, 4, 5}));
    EXPECT_FALSE(g.gap());
}

TEST(seq_gate, a_full_hold_drops_the_event_but_still_knows_it_is_missing) {
    seq_gate g(2);
    g.start(0);
    seen_by_members m;
    g.offer(ev(2), m.fn());
    g.offer(ev(3), m.fn());
    EXPECT_FALSE(g.offer(ev(4), m.fn())) << "held beyond the bound";
    EXPECT_EQ(g.held(), 2u);
    EXPECT_EQ(g.known(), 4u);
    g.offer(ev(1), m.fn());
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_TRUE(g.gap()) << "4 was dropped from the hold: it must still be filled";
    g.offer(ev(4), m.fn());
    EXPECT_EQ(m.seqs.back(), 4u);
}

TEST(seq_gate, start_forgets_what_was_held) {
    seq_gate g;
    g.start(0);
    seen_by_members m;
    g.offer(ev(3), m.fn());
    g.start(7);
    EXPECT_FALSE(g.gap());
    EXPECT_EQ(g.held(), 0u);
    g.offer(ev(8), m.fn());
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{8}));
}

TEST(seq_gate, forgetting_what_is_missing_drops_it_and_a_late_real_event_still_goes_through) {
    seq_gate g;
    g.start(2);
    seen_by_members m;
    g.offer(cluster_event{9, nullptr, {}}, m.fn());  // a tick the store never gets
    g.offer(ev(6), m.fn());                           // held for 3..5, which never come
    g.forget_missing(9);
    EXPECT_FALSE(g.gap());
    EXPECT_EQ(g.held(), 0u);
    EXPECT_EQ(g.known(), 2u);
    g.offer(ev(3), m.fn());
    g.offer(ev(5), m.fn());
    EXPECT_TRUE(g.gap()) << "a real gap after forgetting is a gap again";
    g.offer(ev(4), m.fn());
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{3, 4, 5}));
}

TEST(seq_gate, forgetting_up_to_a_seq_keeps_what_was_heard_of_after_it) {
    seq_gate g;
    g.start(0);
    seen_by_members m;
    g.offer(ev(3), m.fn());
    g.offer(ev(7), m.fn());
    g.forget_missing(3);
    EXPECT_EQ(g.held(), 1u);
    EXPECT_TRUE(g.gap()) << "7 was heard of after the read: not given up on";
    EXPECT_EQ(g.known(), 7u);
    for (std::uint64_t s = 1; s <= 6; ++s) g.offer(ev(s), m.fn());  // the store's own 3 among them
    EXPECT_EQ(m.seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
