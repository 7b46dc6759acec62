// Two nodes' rooms of one name on one (fake) store, with a fake bus the
// test drives: what their members see when publishes come late, out of
// order, twice or never, and who they see in the room across the nodes,
// on the deterministic executor.

#include "chat/room.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using chatd::chat::bus_catch_up;
using chatd::chat::bus_presence;
using chatd::chat::bus_presence_read;
using chatd::chat::bus_publish;
using chatd::chat::bus_unwatch;
using chatd::chat::bus_watch;
using chatd::chat::cluster_link;
using chatd::chat::join;
using chatd::chat::leave;
using chatd::chat::post;
using chatd::chat::presence_node_gone;
using chatd::chat::presence_snapshot;
using chatd::chat::remote_presence;
using chatd::chat::remote_event;
using chatd::chat::room;
using chatd::chat::session_ref;
using chatd::test::field;
using chatd::test::of_type;

/// What one node's rooms told the bus.
struct bus_log {
    std::vector<bus_publish> published;
    std::vector<std::string> watched;
    std::vector<std::string> unwatched;
    std::vector<bus_presence> presence;
    std::vector<bus_presence_read> reads;
};

class fake_bus final : public act::actor<bus_publish, bus_watch, bus_unwatch, bus_presence, bus_presence_read> {
public:
    explicit fake_bus(std::shared_ptr<bus_log> log) : log_(std::move(log)) {}
    void handle(const bus_publish& m) override { log_->published.push_back(m); }
    void handle(const bus_presence& m) override { log_->presence.push_back(m); }
    void handle(const bus_presence_read& m) override { log_->reads.push_back(m); }
    void handle(const bus_watch& m) override { log_->watched.push_back(m.room); }
    void handle(const bus_unwatch& m) override { log_->unwatched.push_back(m.room); }

private:
    std::shared_ptr<bus_log> log_;
};

class room_cluster_test : public act::test::deterministic {
protected:
    struct node {
        std::shared_ptr<bus_log> bus = std::make_shared<bus_log>();
        room::ref_type ref;
    };
    struct member {
        chatd::test::inbox frames;
        session_ref session;
    };

    void SetUp() override {
        storage_ = sys_.spawn<chatd::test::fake_storage>({.label = "storage"}, db_, true);
        a_ = spawn_node();
        b_ = spawn_node();
        run();
        // Nobody on other nodes yet, as the bus's first read says.
        for (node* n : {&a_, &b_}) n->ref.tell(presence_snapshot{"general", {}, {}});
        run();
    }
    /// A room of the name on a node of its own (run() starts it).
    node spawn_node() {
        node n;
        auto bus = sys_.spawn<fake_bus>({.label = "bus"}, n.bus);
        n.ref = sys_.spawn<room>({.label = "room"}, std::string("general"), room::storage_ref(storage_), opts_,
                                 room::lobby_ref{}, nullptr, cluster_link{bus, bus});
        return n;
    }
    member join_on(node& n, const std::string& user) {
        auto frames = std::make_shared<std::vector<chatd::test::seen>>();
        auto s = sys_.spawn<chatd::test::fake_session>({.label = "session"}, frames);
        member m{frames, session_ref(s)};
        n.ref.tell(join{m.session.id(), user, m.session, std::uint64_t{1}, {}});
        run();
        return m;
    }
    void say(node& n, const member& m, const std::string& user, const std::string& text) {
        n.ref.tell(post{m.session.id(), user, "c-" + text, text, std::uint64_t{7}, 1000});
        run();
    }
    /// Publish i of node `from` reaches node `to`.
    void carry(const node& from, std::size_t i, node& to) {
        const auto& p = from.bus->published.at(i);
        to.ref.tell(remote_event{p.room, p.event});
        run();
    }
    /// The reads of the store made while `rounds` gap_waits pass.
    int reads_over(int rounds) {
        const int before = db_->history_reads;
        for (int i = 0; i < rounds; ++i) {
            advance(chatd::chat::room_options{}.gap_wait);
            run();
        }
        return db_->history_reads - before;
    }
    static std::vector<std::string> texts(const member& m) {
        std::vector<std::string> out;
        for (const auto& f : of_type(m.frames, "message")) out.push_back(field(f, "seq") + ":" + field(f, "text"));
        return out;
    }

    /// Presence change i of node `from` reaches node `to`, as said by node `node`.
    void carry_presence(const node& from, std::size_t i, node& to, const std::string& node_id) {
        const auto& p = from.bus->presence.at(i);
        to.ref.tell(remote_presence{p.room, node_id, p.user, p.here});
        run();
    }
    void remote(node& to, const std::string& node_id, const std::string& user, bool here) {
        to.ref.tell(remote_presence{"general", node_id, user, here});
        run();
    }
    /// The presence pushes a member got, "join:user" or "leave:user" each.
    static std::vector<std::string> presence(const member& m) {
        std::vector<std::string> out;
        for (const auto& f : of_type(m.frames, "presence")) out.push_back(field(f, "event") + ":" + field(f, "user"));
        return out;
    }
    static std::string last_joined(const member& m, const char* key) {
        const auto all = of_type(m.frames, "joined");
        return all.empty() ? "<none>" : field(all.back(), key);
    }

    chatd::chat::room_options opts_;
    std::shared_ptr<chatd::test::fake_db> db_ = std::make_shared<chatd::test::fake_db>();
    chatd::test::fake_storage::ref_type storage_;
    node a_, b_;
};

TEST_F(room_cluster_test, a_room_subscribes_when_it_starts_and_a_committed_line_is_published) {
    EXPECT_EQ(a_.bus->watched, (std::vector<std::string>{"general"}));
    auto alice = join_on(a_, "alice");
    say(a_, alice, "alice", "hi");
    ASSERT_EQ(a_.bus->published.size(), 1u);
    EXPECT_EQ(a_.bus->published[0].event.seq, 1u);
    EXPECT_EQ(texts(alice), (std::vector<std::string>{"1:hi"}));
}

TEST_F(room_cluster_test, a_line_from_another_node_reaches_the_members_here) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "hi");
    carry(a_, 0, b_);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:hi"}));
}

TEST_F(room_cluster_test, the_own_event_back_from_the_bus_is_not_delivered_twice) {
    auto alice = join_on(a_, "alice");
    say(a_, alice, "alice", "hi");
    carry(a_, 0, a_);
    EXPECT_EQ(texts(alice), (std::vector<std::string>{"1:hi"}));
}

TEST_F(room_cluster_test, an_event_that_comes_early_waits_for_the_late_one_and_both_go_out_in_order) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "one");
    say(a_, alice, "alice", "two");
    carry(a_, 1, b_);
    EXPECT_TRUE(texts(bob).empty()) << "seq 2 went out before seq 1";
    carry(a_, 0, b_);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:one", "2:two"}));
}

TEST_F(room_cluster_test, a_lost_publish_is_filled_from_the_store_after_the_hold) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "lost");
    say(a_, alice, "alice", "kept");
    carry(a_, 1, b_);  // publish 0 never arrives
    EXPECT_TRUE(texts(bob).empty());
    advance(chatd::chat::room_options{}.gap_wait);
    run();
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:lost", "2:kept"}));
    carry(a_, 0, b_);  // it was only late
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:lost", "2:kept"})) << "delivered twice";
}

TEST_F(room_cluster_test, a_local_line_waits_for_a_remote_one_committed_before_it) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "first");  // seq 1, on node a; b has not heard of it
    say(b_, bob, "bob", "second");     // seq 2, on node b
    EXPECT_TRUE(texts(bob).empty()) << "seq 2 went out before seq 1";
    carry(a_, 0, b_);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:first", "2:second"}));
    carry(b_, 0, a_);
    EXPECT_EQ(texts(alice), (std::vector<std::string>{"1:first", "2:second"}));
}

TEST_F(room_cluster_test, after_the_bus_resubscribes_a_room_catches_up_from_the_store) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    // The bus was down: none of these publishes arrives, and no later event shows the gap.
    say(a_, alice, "alice", "one");
    say(a_, alice, "alice", "two");
    EXPECT_TRUE(texts(bob).empty());
    b_.ref.tell(bus_catch_up{"general"});
    run();
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:one", "2:two"}));
}

TEST_F(room_cluster_test, a_resent_line_whose_commit_was_never_published_reaches_the_members_here) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    // Node a commits alice's line and dies before its publish goes out (or
    // its store connection broke after the COMMIT, so it answered
    // unavailable): no later line shows anyone the gap.
    say(a_, alice, "alice", "orphan");
    auto alice_again = join_on(b_, "alice");
    say(b_, alice_again, "alice", "orphan");  // the resend, same client_id: a duplicate of seq 1
    EXPECT_EQ(of_type(alice_again.frames, "ack").size(), 1u);
    advance(chatd::chat::room_options{}.gap_wait);
    run();
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:orphan"}));
    EXPECT_EQ(texts(alice_again), (std::vector<std::string>{"1:orphan"}));
}

TEST_F(room_cluster_test, a_catch_up_reads_page_after_page) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    const auto n = chatd::chat::room_options{}.replay_limit * 2 + 5;
    for (std::uint32_t i = 1; i <= n; ++i) say(a_, alice, "alice", "l" + std::to_string(i));
    b_.ref.tell(bus_catch_up{"general"});
    run();
    const auto seen = texts(bob);
    ASSERT_EQ(seen.size(), n);
    for (std::uint32_t i = 1; i <= n; ++i) EXPECT_EQ(seen[i - 1], std::to_string(i) + ":l" + std::to_string(i));
}

TEST_F(room_cluster_test, a_tick_for_a_seq_the_store_never_gets_stops_the_reads_and_a_later_gap_is_still_filled) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "l1");
    carry(a_, 0, b_);
    // A node says the room reached seq 5; the store has 1 (a buggy or forged tick).
    b_.ref.tell(remote_event{"general", {5, nullptr, {}}});
    run();
    const auto opts = chatd::chat::room_options{};
    EXPECT_EQ(reads_over(20), static_cast<int>(opts.gap_reads))
        << "the room kept reading the store for a seq nobody committed";
    // Real events come later; only the last one's publish arrives.
    for (int i = 2; i <= 5; ++i) say(a_, alice, "alice", "l" + std::to_string(i));
    carry(a_, 4, b_);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:l1"})) << "seq 5 went out before 2..4";
    advance(opts.gap_wait);
    run();
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:l1", "2:l2", "3:l3", "4:l4", "5:l5"}));
}

TEST_F(room_cluster_test, an_event_held_for_a_seq_the_store_never_gets_is_dropped_not_delivered_in_place_of_the_real_one) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    // A forged (or buggy) event for seq 3: its predecessors never come.
    b_.ref.tell(remote_event{"general", {3, std::make_shared<const std::string>(
                                                R"({"type":"message","room":"general","seq":3,"text":"forged"})"),
                                         {}}});
    run();
    EXPECT_EQ(reads_over(20), static_cast<int>(chatd::chat::room_options{}.gap_reads));
    for (int i = 1; i <= 3; ++i) say(a_, alice, "alice", "l" + std::to_string(i));
    carry(a_, 0, b_);
    carry(a_, 1, b_);
    carry(a_, 2, b_);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:l1", "2:l2", "3:l3"}));
}

TEST_F(room_cluster_test, a_catch_up_whose_read_fails_is_read_again) {
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "one");  // published while the bus was down: lost
    db_->failing_reads = 1;          // and storage is away for the catch-up's read
    b_.ref.tell(bus_catch_up{"general"});
    run();
    EXPECT_TRUE(texts(bob).empty());
    advance(chatd::chat::room_options{}.gap_wait);
    run();
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:one"})) << "the failed catch-up was never read again";
}

TEST_F(room_cluster_test, while_storage_is_away_its_reads_back_off_and_once_it_is_back_the_room_catches_up_soon) {
    const chatd::chat::room_options o;
    auto alice = join_on(a_, "alice");
    auto bob = join_on(b_, "bob");
    say(a_, alice, "alice", "one");  // published while the bus was down: lost
    db_->failing_reads = 1000;       // and storage is away for a long while
    b_.ref.tell(bus_catch_up{"general"});
    run();
    const int before = db_->history_reads;
    advance(60s);
    // Every gap_wait it would be 300 reads from each room with a gap; backing
    // off (200 ms, doubling, then every gap_wait_max) it is 15.
    EXPECT_LE(db_->history_reads - before, 15) << "a room with a gap kept reading a store that was away";
    EXPECT_GE(db_->history_reads - before, 60s / o.gap_wait_max) << "it stopped reading at all";
    EXPECT_TRUE(texts(bob).empty());
    db_->failing_reads = 0;  // storage is back
    advance(o.gap_wait_max);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:one"})) << "not caught up within gap_wait_max of the store's return";
    // A read that succeeded sets the wait back: the next failure is retried after gap_wait.
    say(a_, alice, "alice", "two");  // lost too
    db_->failing_reads = 1;
    b_.ref.tell(bus_catch_up{"general"});
    run();
    advance(o.gap_wait);
    EXPECT_EQ(texts(bob), (std::vector<std::string>{"1:one", "2:two"})) << "the backoff outlived the store's return";
}

TEST_F(room_cluster_test, a_stopping_room_unsubscribes) {
    sys_.stop(a_.ref);
    run();
    EXPECT_EQ(a_.bus->unwatched, (std::vector<std::string>{"general"}));
}

// ---- presence across nodes -----------------------------------------------------

TEST_F(room_cluster_test, a_user_on_another_node_is_announced_and_listed_in_joined) {
    auto bob = join_on(b_, "bob");
    auto alice = join_on(a_, "alice");
    ASSERT_EQ(a_.bus->presence.size(), 1u);
    EXPECT_TRUE(a_.bus->presence[0].here);
    carry_presence(a_, 0, b_, "node-a");
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice"}));
    auto carol = join_on(b_, "carol");
    EXPECT_EQ(last_joined(carol, "members"), R"(["alice","bob","carol"])");
    EXPECT_EQ(last_joined(carol, "member_count"), "3");
    // Alice's last connection goes: the bus hears it, and so does bob.
    a_.ref.tell(leave{alice.session.id(), std::uint64_t{9}, false});
    run();
    ASSERT_EQ(a_.bus->presence.size(), 2u);
    EXPECT_FALSE(a_.bus->presence[1].here);
    carry_presence(a_, 1, b_, "node-a");
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice", "join:carol", "leave:alice"}));
}

TEST_F(room_cluster_test, a_user_on_two_nodes_is_present_until_it_is_gone_from_both) {
    auto bob = join_on(b_, "bob");
    remote(b_, "node-a", "alice", true);
    auto alice_here = join_on(b_, "alice");
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice"})) << "a second node's connection is no news";
    b_.ref.tell(leave{alice_here.session.id(), std::uint64_t{9}, false});
    run();
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice"})) << "alice is still on node a";
    remote(b_, "node-a", "alice", false);
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice", "leave:alice"}));
    remote(b_, "node-a", "alice", false);  // said twice: nothing more
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice", "leave:alice"}));
}

TEST_F(room_cluster_test, a_gone_node_takes_its_users_out_of_the_room) {
    auto bob = join_on(b_, "bob");
    remote(b_, "node-a", "alice", true);
    remote(b_, "node-a", "dave", true);
    remote(b_, "node-c", "carol", true);
    b_.ref.tell(presence_node_gone{"node-a"});
    run();
    auto seen = presence(bob);
    ASSERT_EQ(seen.size(), 5u);
    std::sort(seen.begin() + 3, seen.end());  // the gone node's users leave in no particular order
    EXPECT_EQ(seen, (std::vector<std::string>{"join:alice", "join:dave", "join:carol", "leave:alice", "leave:dave"}));
    auto erin = join_on(b_, "erin");
    EXPECT_EQ(last_joined(erin, "members"), R"(["bob","carol","erin"])");
}

TEST_F(room_cluster_test, a_snapshot_sets_what_each_live_node_has_and_keeps_the_nodes_it_does_not_list) {
    auto bob = join_on(b_, "bob");
    remote(b_, "node-a", "alice", true);
    remote(b_, "node-c", "carol", true);
    // node-a's alice left while the bus was away, and dave came; node-c is
    // not known to be alive (Redis lost it): its carol stays until it is gone.
    b_.ref.tell(presence_snapshot{"general", {"node-a"}, {{"node-a", "dave"}}});
    run();
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice", "join:carol", "leave:alice", "join:dave"}));
    b_.ref.tell(presence_snapshot{"general", {"node-a", "node-c"}, {{"node-a", "dave"}, {"node-c", "carol"}}});
    run();
    EXPECT_EQ(presence(bob).size(), 4u) << "a snapshot that changes nothing pushes nothing";
}

TEST_F(room_cluster_test, each_subscription_asks_who_is_on_the_other_nodes) {
    remote(b_, "node-a", "alice", true);
    const auto before = b_.bus->reads.size();
    b_.ref.tell(bus_catch_up{"general"});
    run();
    ASSERT_EQ(b_.bus->reads.size(), before + 1);
    EXPECT_EQ(b_.bus->reads.back().known_nodes, (std::vector<std::string>{"node-a"}));
}

TEST_F(room_cluster_test, a_starting_rooms_first_join_lists_the_users_of_the_other_nodes) {
    node c = spawn_node();
    auto bob = join_on(c, "bob");
    EXPECT_TRUE(of_type(bob.frames, "joined").empty()) << "joined before the room knew who is on the other nodes";
    c.ref.tell(presence_snapshot{"general", {"node-a"}, {{"node-a", "alice"}}});
    run();
    EXPECT_EQ(last_joined(bob, "members"), R"(["alice","bob"])");
    EXPECT_TRUE(presence(bob).empty());
}

TEST_F(room_cluster_test, without_an_answer_from_the_bus_a_starting_room_admits_its_joins_after_a_while) {
    node c = spawn_node();
    auto bob = join_on(c, "bob");
    EXPECT_TRUE(of_type(bob.frames, "joined").empty());
    advance(opts_.presence_wait);
    run();
    EXPECT_EQ(last_joined(bob, "members"), R"(["bob"])");
}

class room_cluster_large_test : public room_cluster_test {
protected:
    void SetUp() override {
        opts_.presence_limit = 2;
        room_cluster_test::SetUp();
    }
};

TEST_F(room_cluster_large_test, a_room_large_across_the_nodes_sends_no_presence_and_counts_them_all) {
    auto bob = join_on(b_, "bob");
    remote(b_, "node-a", "alice", true);
    remote(b_, "node-a", "dave", true);  // three users on two nodes: over the limit
    EXPECT_EQ(presence(bob), (std::vector<std::string>{"join:alice"}));
    auto carol = join_on(b_, "carol");
    EXPECT_EQ(last_joined(carol, "members"), R"(["carol"])");
    EXPECT_EQ(last_joined(carol, "member_count"), "4");
}

}  // namespace
