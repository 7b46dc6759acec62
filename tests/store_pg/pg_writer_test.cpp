// The PostgreSQL writer through its messages, against a real PostgreSQL 15:
// the same answers as the SQLite writer (batching, acks after COMMIT,
// dedupe, target rules, side effects, markers), seqs that stay gapless with
// two nodes writing one room at once, and a server that goes away and
// comes back.

#include "pg_writer_fixture.hpp"

#include "act/thread_pool.hpp"

#include <condition_variable>
#include <mutex>
#include <set>

using namespace chatd::store_pg;
using namespace chatd::store_pg::test;

namespace {

TEST_F(pg_writer_test, appends_queued_together_are_one_commit_with_gapless_seqs_and_a_resend_gets_the_original) {
    auto w = spawn_writer();
    w.tell(line("a", "1", 10));
    w.tell(line("a", "2", 11));
    w.tell(line("b", "1", 12));
    w.tell(line("a", "3", 13));
    w.tell(line("a", "2", 14));  // resent within the batch
    run();
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{5}));
    w.tell(line("a", "1", 15));  // resent in a later batch
    run();
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 1, 3, 2, 1}));
    EXPECT_EQ(statuses(), (std::vector<status>{status::stored, status::stored, status::stored, status::stored,
                                               status::duplicate, status::duplicate}));
    EXPECT_EQ(done_->back().ts_ms, 1010);  // the original's time
    const auto a = all(w, "a");
    ASSERT_EQ(a.size(), 3U);
    EXPECT_EQ(a[2].text, "line 3");
}

TEST_F(pg_writer_test, a_batch_holds_at_most_max_batch_writes) {
    auto o = options();
    o.max_batch = 3;
    auto w = spawn_writer(o);
    for (std::uint64_t t = 1; t <= 7; ++t) w.tell(line("a", std::to_string(t), t));
    run();
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{3, 3, 1}));
}

TEST_F(pg_writer_test, edits_deletes_and_reactions_follow_the_target_rules_and_history_shows_their_effects) {
    auto w = spawn_writer();
    w.tell(line("r", "1", 1, "ann"));                                              // seq 1
    w.tell(event(about(event_kind::edit, "r", "bob", "e1", 1, "not yours"), 2));  // forbidden
    w.tell(event(about(event_kind::edit, "r", "ann", "e2", 1, "fixed"), 3));      // seq 2
    w.tell(event(about(event_kind::react, "r", "bob", "x1", 1, "+1"), 4));        // seq 3
    w.tell(event(about(event_kind::react, "r", "cat", "x2", 1, "+1"), 5));        // seq 4
    w.tell(event(about(event_kind::edit, "r", "ann", "e3", 9, "nothing"), 6));    // not_found
    w.tell(event(about(event_kind::edit, "nowhere", "ann", "e4", 1, "x"), 7));    // not_found, no room made
    run();
    EXPECT_EQ(seqs_done(), (seq_list{1, 0, 2, 3, 4, 0, 0}));
    EXPECT_EQ((*done_)[1].reason, reject_reason::forbidden);
    EXPECT_EQ((*done_)[5].reason, reject_reason::not_found);
    EXPECT_EQ((*done_)[6].reason, reject_reason::not_found);
    auto shown = all(w, "r");
    ASSERT_EQ(shown.size(), 4U);
    EXPECT_EQ(shown[0].text, "fixed");
    EXPECT_EQ(shown[0].edited_ms, 2000);
    ASSERT_EQ(shown[0].reactions.size(), 1U);
    EXPECT_EQ(shown[0].reactions[0].users, (std::vector<std::string>{"bob", "cat"}));
    EXPECT_EQ(shown[1].kind, event_kind::edit);
    EXPECT_EQ(shown[1].target, 1U);

    done_->clear();
    w.tell(event(about(event_kind::delete_line, "r", "ann", "d1", 1), 8));  // seq 5
    w.tell(event(about(event_kind::react, "r", "bob", "x3", 1, "ok"), 9));  // the line is gone: not_found
    w.tell(event(about(event_kind::edit, "r", "ann", "e2", 1, "fixed"), 10));  // a resend: still the original
    run();
    EXPECT_EQ(seqs_done(), (seq_list{5, 0, 2}));
    EXPECT_EQ((*done_)[1].reason, reject_reason::not_found);
    EXPECT_EQ((*done_)[2].outcome, status::duplicate);
    shown = all(w, "r");
    EXPECT_TRUE(shown[0].deleted);
    EXPECT_EQ(shown[0].text, "");
    EXPECT_EQ(shown[1].text, "");  // the edit's text goes too
    EXPECT_TRUE(shown[0].reactions.empty());
    auto nowhere = w.ask(read_room{"nowhere"}, 5s).get();
    ASSERT_TRUE(nowhere && nowhere->ok);
    EXPECT_FALSE(nowhere->value.exists);
}

TEST_F(pg_writer_test, members_markers_and_unread_and_mention_counts) {
    auto w = spawn_writer();
    auto made = w.ask(create_room{new_room{room_kind::public_room, "club", "ann", "our topic", {}, 500}}, 5s).get();
    ASSERT_TRUE(made && made->ok);
    EXPECT_EQ(made->value.status, create_status::created);
    auto join = msg("club", "bob", "j1", "", 600);
    join.kind = event_kind::member;
    join.subject = "bob";
    join.action = member_action::join;
    w.tell(event(join, 1));  // seq 1: bob's marker moves to 1
    auto hello = msg("club", "ann", "l1", "hi @bob");
    hello.mentions = {"bob"};
    w.tell(event(hello, 2));             // seq 2, mentions bob
    w.tell(line("club", "l2", 3, "ann"));  // seq 3
    w.tell(line("club", "l3", 4, "bob"));  // seq 4: bob's own
    run();
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3, 4}));

    auto rooms = w.ask(read_user_rooms{"bob"}, 5s).get();
    ASSERT_TRUE(rooms && rooms->ok);
    ASSERT_EQ(rooms->value.size(), 1U);
    EXPECT_EQ(rooms->value[0].room, "club");
    EXPECT_EQ(rooms->value[0].topic, "our topic");
    EXPECT_EQ(rooms->value[0].last_seq, 4U);
    EXPECT_EQ(rooms->value[0].read, 1U);
    EXPECT_EQ(rooms->value[0].unread, 2U);
    EXPECT_EQ(rooms->value[0].mentions, 1U);

    auto marked = w.ask(mark_read{read_mark{"bob", "club", 2}}, 5s).get();
    ASSERT_TRUE(marked && marked->ok);
    EXPECT_EQ(marked->value, (mark_outcome{true, 2, 1, 0}));
    auto past = w.ask(mark_read{read_mark{"bob", "club", 99}}, 5s).get();  // never past the last seq
    ASSERT_TRUE(past && past->ok);
    EXPECT_EQ(past->value, (mark_outcome{true, 4, 0, 0}));
    auto back = w.ask(mark_read{read_mark{"bob", "club", 1}}, 5s).get();  // never backwards
    ASSERT_TRUE(back && back->ok);
    EXPECT_EQ(back->value.seq, 4U);
    auto none = w.ask(mark_read{read_mark{"bob", "!no-such-room", 1}}, 5s).get();
    ASSERT_TRUE(none && none->ok);
    EXPECT_FALSE(none->value.found);
    // A public room joined before its first line: the read stores it.
    auto fresh = w.ask(mark_read{read_mark{"bob", "lounge", 1, 1000}}, 5s).get();
    ASSERT_TRUE(fresh && fresh->ok);
    EXPECT_EQ(fresh->value, (mark_outcome{true, 0, 0, 0}));
    auto lounge = w.ask(read_room{"lounge"}, 5s).get();
    ASSERT_TRUE(lounge && lounge->ok);
    EXPECT_TRUE(lounge->value.exists);

    auto state = w.ask(read_room{"club"}, 5s).get();
    ASSERT_TRUE(state && state->ok && state->value.exists);
    EXPECT_EQ(state->value.room.last_seq, 4U);
    ASSERT_EQ(state->value.members.size(), 2U);
    EXPECT_EQ(state->value.members[0].user, "ann");
    EXPECT_EQ(state->value.members[0].role, member_role::owner);
    EXPECT_EQ(state->value.members[1].user, "bob");
}

// As SQLite's room_store: a public room read in without membership is
// listed by its marker, a private room's marker lists nothing, and a leave
// drops the marker.
TEST_F(pg_writer_test, the_public_rooms_a_user_has_read_in_are_among_its_rooms_until_it_leaves) {
    auto w = spawn_writer();
    auto priv = w.ask(create_room{new_room{room_kind::private_room, "", "bob", "", {}, 1}}, 5s).get();
    ASSERT_TRUE(priv && priv->ok);
    const auto priv_name = priv->value.state.room.name;
    w.tell(line("lounge", "1", 1, "bob"));
    w.tell(line("lounge", "2", 2, "bob"));
    w.tell(line(priv_name, "1", 3, "bob"));
    run();
    ASSERT_TRUE(w.ask(mark_read{read_mark{"ann", "lounge", 1}}, 5s).get());
    ASSERT_TRUE(w.ask(mark_read{read_mark{"ann", priv_name, 1}}, 5s).get());
    auto rooms = w.ask(read_user_rooms{"ann"}, 5s).get();
    ASSERT_TRUE(rooms && rooms->ok);
    ASSERT_EQ(rooms->value.size(), 1U);
    EXPECT_EQ(rooms->value[0].room, "lounge");
    EXPECT_EQ(rooms->value[0].read, 1U);
    EXPECT_EQ(rooms->value[0].unread, 1U);
    auto leave = msg("lounge", "ann", "l1", "", 900);
    leave.kind = event_kind::member;
    leave.subject = "ann";
    leave.action = member_action::leave;
    w.tell(event(leave, 4));
    run();
    rooms = w.ask(read_user_rooms{"ann"}, 5s).get();
    ASSERT_TRUE(rooms && rooms->ok);
    EXPECT_TRUE(rooms->value.empty());
}

TEST_F(pg_writer_test, a_taken_name_exists_and_a_direct_room_of_the_same_users_is_found) {
    auto w = spawn_writer();
    auto first = w.ask(create_room{new_room{room_kind::public_room, "club", "ann", "", {}, 1}}, 5s).get();
    auto again = w.ask(create_room{new_room{room_kind::public_room, "club", "bob", "", {}, 2}}, 5s).get();
    ASSERT_TRUE(first && first->ok && again && again->ok);
    EXPECT_EQ(again->value.status, create_status::exists);
    auto dm = w.ask(create_room{new_room{room_kind::direct, "", "ann", "", {"bob"}, 3}}, 5s).get();
    auto dm2 = w.ask(create_room{new_room{room_kind::direct, "", "bob", "", {"ann"}, 4}}, 5s).get();
    ASSERT_TRUE(dm && dm->ok && dm2 && dm2->ok);
    EXPECT_EQ(dm->value.status, create_status::created);
    EXPECT_EQ(dm->value.state.room.name.size(), 21U);
    EXPECT_EQ(dm2->value.status, create_status::found);
    EXPECT_EQ(dm2->value.state.room.name, dm->value.state.room.name);
    // A '!' room is never made by a line: only create_room makes one.
    w.tell(line("!nosuchroom", "1", 1));
    run();
    EXPECT_EQ(done_->back().reason, reject_reason::not_found);
}

TEST_F(pg_writer_test, a_nul_byte_is_rejected_alone_and_for_good_and_nothing_is_cut_at_it) {
    // The protocol refuses U+0000; this is what the writer does if one gets by.
    auto w = spawn_writer();
    w.tell(line("a", "1", 1));
    w.tell(event(msg("a", "ann", "2", std::string("cut\0here", 8)), 2));
    w.tell(line("a", "3", 3));
    run();
    ASSERT_EQ(statuses(), (std::vector<status>{status::rejected, status::stored, status::stored}));
    EXPECT_EQ(done_->front().token, 2U);
    EXPECT_EQ(done_->front().reason, reject_reason::not_storable) << "a resend would fail the same way";
    EXPECT_EQ(seqs_done(), (seq_list{0, 1, 2}));
    EXPECT_TRUE(ready(w));
    // A topic with one is not stored cut short at the NUL: the room is not made.
    auto made = w.ask(create_room{new_room{room_kind::public_room, "club", "ann", std::string("our\0topic", 9), {}, 1}},
                      5s).get();
    ASSERT_TRUE(made);
    EXPECT_FALSE(made->ok);
    auto state = w.ask(read_room{"club"}, 5s).get();
    ASSERT_TRUE(state && state->ok);
    EXPECT_FALSE(state->value.exists);
}

TEST_F(pg_writer_test, a_lost_server_fails_writes_and_readiness_until_the_writer_reconnects) {
    auto w = spawn_writer();
    w.tell(line("a", "1", 1));
    run();
    ASSERT_TRUE(ready(w));
    server_->stop();
    w.tell(line("a", "2", 2));
    run();
    EXPECT_EQ(done_->back().outcome, status::failed);  // its sender resends with the same client_id
    EXPECT_FALSE(ready(w));
    w.tell(line("a", "3", 3));
    run();
    EXPECT_EQ(done_->back().outcome, status::failed);  // at once, while down
    server_->start();
    advance(10s);  // the reconnect timer's backoff, in virtual time
    EXPECT_TRUE(ready(w));
    w.tell(line("a", "2", 4));
    run();
    EXPECT_EQ(done_->back().outcome, status::stored);
    EXPECT_EQ(done_->back().seq, 2U);
}

TEST_F(pg_writer_test, after_a_batch_it_gave_up_on_a_writer_whose_server_answers_is_ready_without_another_commit) {
    auto w = spawn_writer();
    w.tell(line("a", "1", 1));
    run();
    ASSERT_TRUE(ready(w));
    // The server refuses the next batch for its own reasons; the connection stays fine.
    server_->exec(db_, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
    server_->exec(db_, "CREATE TRIGGER refuse BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse()");
    w.tell(line("a", "2", 2));
    run();
    ASSERT_EQ(done_->back().outcome, status::failed);  // given up: its sender resends
    server_->exec(db_, "DROP TRIGGER refuse ON messages");
    EXPECT_TRUE(ready(w)) << "/readyz kept the node out of the balancer until its next commit";
    w.tell(line("a", "2", 3));
    run();
    EXPECT_EQ(done_->back().outcome, status::stored);
    EXPECT_EQ(done_->back().seq, 2U);
}

// ---- two nodes on real threads ---------------------------------------------------

/// Counts acks across threads until `expected` arrived.
struct shared_log {
    std::mutex m;
    std::condition_variable cv;
    std::vector<append_done> done;
    std::size_t expected = 0;
};
struct locked_recorder : act::actor<append_done> {
    explicit locked_recorder(std::shared_ptr<shared_log> log) : log_(std::move(log)) {}
    void handle(const append_done& d) override {
        std::lock_guard lock(log_->m);
        log_->done.push_back(d);
        if (log_->done.size() == log_->expected) log_->cv.notify_all();
    }
    std::shared_ptr<shared_log> log_;
};

TEST_F(pg_writer_test, two_nodes_appending_to_one_room_at_once_give_one_gapless_order_and_dedupe_across_nodes) {
    constexpr std::uint64_t per_node = 400;
    act::thread_pool pool(2, "nodes");
    act::dedicated_thread node_a("node-a"), node_b("node-b");
    act::system cluster(act::system_config{.exec = &pool});
    auto logs = std::array{std::make_shared<shared_log>(), std::make_shared<shared_log>()};
    for (auto& l : logs) l->expected = per_node;
    auto o = options();
    o.max_batch = 16;  // many transactions, so the two nodes' commits interleave
    // Each node waits for the other's lock on the room instead of
    // colliding on a seq: no commit attempt is refused and retried.
    auto refused = std::make_shared<std::atomic<int>>(0);
    pg_writer_hooks h;
    h.on_failure = [refused](const chatd::storage::error&) { ++*refused; };
    auto a = cluster.spawn<pg_writer>({.exec = &node_a}, o, h);
    auto b = cluster.spawn<pg_writer>({.exec = &node_b}, o, h);
    act::ref<append_done> rec_a = cluster.spawn<locked_recorder>({}, logs[0]);
    act::ref<append_done> rec_b = cluster.spawn<locked_recorder>({}, logs[1]);
    for (std::uint64_t i = 0; i < per_node; ++i) {
        a.tell(append{msg("shared", "ann", "a" + std::to_string(i)), i, rec_a});
        b.tell(append{msg("shared", "bob", "b" + std::to_string(i)), i, rec_b});
    }
    for (auto& l : logs) {
        std::unique_lock lock(l->m);
        ASSERT_TRUE(l->cv.wait_for(lock, 60s, [&] { return l->done.size() == l->expected; }));
    }
    std::set<std::uint64_t> seqs;
    for (auto& l : logs) {
        std::uint64_t previous = 0;
        for (const auto& d : l->done) {
            EXPECT_EQ(d.outcome, status::stored);
            EXPECT_GT(d.seq, previous) << "a node's lines keep their order";
            previous = d.seq;
            seqs.insert(d.seq);
        }
    }
    ASSERT_EQ(seqs.size(), 2 * per_node) << "no seq given twice";
    EXPECT_EQ(*seqs.begin(), 1U);
    EXPECT_EQ(*seqs.rbegin(), 2 * per_node) << "no gap";
    EXPECT_EQ(refused->load(), 0) << "commits refused (and retried) as the nodes collided";

    // ann's client reconnects to the other node and resends: the original seq.
    logs[1]->done.clear();
    logs[1]->expected = 1;
    b.tell(append{msg("shared", "ann", "a7"), 99, rec_b});
    {
        std::unique_lock lock(logs[1]->m);
        ASSERT_TRUE(logs[1]->cv.wait_for(lock, 60s, [&] { return logs[1]->done.size() == 1; }));
    }
    EXPECT_EQ(logs[1]->done[0].outcome, status::duplicate);
    EXPECT_EQ(logs[1]->done[0].seq, logs[0]->done[7].seq);
    auto last = a.ask(read_last_seq{"shared"}, 10s).get();
    ASSERT_TRUE(last);
    EXPECT_EQ(*last, 2 * per_node);
    ASSERT_TRUE(cluster.shutdown(30s));
}

}  // namespace
