// A room on the deterministic executor, between a fake storage and fake
// sessions: what each member sees, in what order, and when.

#include "chat/room.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;
using chatd::chat::deliver;
using chatd::chat::join;
using chatd::chat::leave;
using chatd::chat::post;
using chatd::chat::room;
using chatd::chat::session_ref;
using chatd::chat::typing;
using chatd::test::field;
using chatd::test::of_type;

class room_test : public act::test::deterministic {
protected:
    void make_room(bool auto_commit, chatd::chat::room_options opts = {}) {
        storage_ = sys_.spawn<chatd::test::fake_storage>({.label = "storage"}, db_, auto_commit);
        room_ = sys_.spawn<room>({.label = "room"}, std::string("general"), room::storage_ref(storage_), opts);
        run();
    }
    struct member {
        chatd::test::inbox frames;
        session_ref session;
    };
    member connect() {
        auto frames = std::make_shared<std::vector<chatd::test::seen>>();
        auto s = sys_.spawn<chatd::test::fake_session>({.label = "session"}, frames);
        return {frames, session_ref(s)};
    }
    void join_as(const member& m, const std::string& user, std::optional<std::uint64_t> since = {}) {
        room_.tell(join{m.session.id(), user, m.session, std::uint64_t{1}, since});
        run();
    }
    void say(const member& m, const std::string& user, const std::string& client_id, const std::string& text) {
        room_.tell(post{m.session.id(), user, client_id, text, std::uint64_t{7}, 1000});
        run();
    }

    std::shared_ptr<chatd::test::fake_db> db_ = std::make_shared<chatd::test::fake_db>();
    chatd::test::fake_storage::ref_type storage_;
    room::ref_type room_;
};

TEST_F(room_test, a_line_reaches_every_member_only_after_it_is_committed_and_then_the_sender_is_acked) {
    make_room(false);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");

    say(alice, "alice", "c1", "hello");
    EXPECT_TRUE(of_type(bob.frames, "message").empty()) << "pushed before the commit";
    EXPECT_TRUE(of_type(alice.frames, "ack").empty()) << "acked before the commit";

    storage_.tell(chatd::test::commit_now{});
    run();
    for (auto* m : {&alice, &bob}) {
        auto msgs = of_type(m->frames, "message");
        ASSERT_EQ(msgs.size(), 1u);
        EXPECT_EQ(field(msgs[0], "seq"), "1");
        EXPECT_EQ(field(msgs[0], "from"), "alice");
        EXPECT_EQ(field(msgs[0], "text"), "hello");
    }
    auto acks = of_type(alice.frames, "ack");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(field(acks[0], "seq"), "1");
    EXPECT_EQ(field(acks[0], "client_id"), "c1");
    EXPECT_EQ(field(acks[0], "id"), "7");
}

TEST_F(room_test, every_member_sees_the_same_order) {
    make_room(true);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    for (int i = 0; i < 5; ++i) {
        room_.tell(post{alice.session.id(), "alice", "a" + std::to_string(i), "a", std::uint64_t{1}, 0});
        room_.tell(post{bob.session.id(), "bob", "b" + std::to_string(i), "b", std::uint64_t{1}, 0});
    }
    run();
    auto a = of_type(alice.frames, "message"), b = of_type(bob.frames, "message");
    ASSERT_EQ(a.size(), 10u);
    ASSERT_EQ(b.size(), 10u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(field(a[i], "seq"), std::to_string(i + 1));
        EXPECT_EQ(a[i].json, b[i].json);
    }
}

TEST_F(room_test, a_resent_line_is_acked_again_with_its_first_seq_and_not_pushed_twice) {
    make_room(true);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    say(alice, "alice", "same", "once");
    say(alice, "alice", "same", "once");
    EXPECT_EQ(of_type(bob.frames, "message").size(), 1u);
    auto acks = of_type(alice.frames, "ack");
    ASSERT_EQ(acks.size(), 2u);
    EXPECT_EQ(field(acks[0], "seq"), "1");
    EXPECT_EQ(field(acks[1], "seq"), "1");
}

TEST_F(room_test, a_failed_commit_gets_an_unavailable_error_and_no_push_or_ack) {
    make_room(false);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    say(alice, "alice", "c1", "lost");
    db_->fail_next = true;
    storage_.tell(chatd::test::commit_now{});
    run();
    EXPECT_TRUE(of_type(bob.frames, "message").empty());
    EXPECT_TRUE(of_type(alice.frames, "ack").empty());
    auto errors = of_type(alice.frames, "error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "unavailable");
}

TEST_F(room_test, a_line_the_store_can_never_keep_is_refused_for_good_not_unavailable) {
    // A NUL the decoder let by: the store rejects it, and a resend would fail
    // the same way, so the sender is told invalid_field, not to retry.
    make_room(true);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    say(alice, "alice", "c1", std::string("a\0b", 3));
    EXPECT_TRUE(of_type(bob.frames, "message").empty());
    auto errors = of_type(alice.frames, "error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "invalid_field");
    EXPECT_EQ(field(errors[0], "id"), "7");
    auto refused = room_.ask(chatd::chat::server_post{"system", "s-1", std::string("\0", 1), 1000}, 10s);
    run();
    auto r = refused.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, chatd::protocol::error_code::invalid_field);
    say(alice, "alice", "c2", "fine");
    EXPECT_EQ(of_type(bob.frames, "message").size(), 1u) << "the room did not carry on";
}

TEST_F(room_test, a_server_post_needs_no_membership_reaches_members_after_the_commit_and_is_answered_then) {
    make_room(false);
    auto alice = connect();
    join_as(alice, "alice");
    auto first = room_.ask(chatd::chat::server_post{"system", "s-1", "deploy at 5", 1000}, std::chrono::seconds(10));
    run();
    EXPECT_FALSE(first.ready()) << "answered before the commit";
    EXPECT_TRUE(of_type(alice.frames, "message").empty()) << "pushed before the commit";
    storage_.tell(chatd::test::commit_now{});
    run();
    auto msgs = of_type(alice.frames, "message");
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(field(msgs[0], "from"), "system");
    EXPECT_EQ(field(msgs[0], "text"), "deploy at 5");
    auto r = first.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->seq, 1u);
    EXPECT_FALSE(r->duplicate);
    EXPECT_FALSE(r->error);
    EXPECT_TRUE(of_type(alice.frames, "ack").empty()) << "the server's answer is not a member's ack";

    // The same client_id again: the first seq, and no second push.
    auto again = room_.ask(chatd::chat::server_post{"system", "s-1", "deploy at 5", 2000}, std::chrono::seconds(10));
    run();
    storage_.tell(chatd::test::commit_now{});
    r = again.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->seq, 1u);
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(of_type(alice.frames, "message").size(), 1u);

    // A failed commit: unavailable, and nothing pushed.
    auto lost = room_.ask(chatd::chat::server_post{"system", "s-2", "lost", 3000}, std::chrono::seconds(10));
    run();
    db_->fail_next = true;
    storage_.tell(chatd::test::commit_now{});
    r = lost.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, chatd::protocol::error_code::unavailable);
    EXPECT_EQ(of_type(alice.frames, "message").size(), 1u);
}

TEST_F(room_test, presence_tells_members_who_comes_and_goes) {
    make_room(true);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    auto joined = of_type(bob.frames, "joined");
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_EQ(field(joined[0], "members"), R"(["alice","bob"])");
    auto p = of_type(alice.frames, "presence");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(field(p[0], "user"), "bob");
    EXPECT_EQ(field(p[0], "event"), "join");

    room_.tell(leave{bob.session.id(), std::uint64_t{3}});
    run();
    EXPECT_EQ(of_type(bob.frames, "left").size(), 1u);
    p = of_type(alice.frames, "presence");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(field(p[1], "event"), "leave");
}

TEST_F(room_test, a_room_over_the_presence_limit_sends_no_presence_and_lists_only_the_joiner) {
    make_room(true, {.presence_limit = 2});
    auto alice = connect(), bob = connect(), carol = connect(), dave = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");  // two users: at the limit, still a small room
    EXPECT_EQ(of_type(alice.frames, "presence").size(), 1u);
    EXPECT_EQ(field(of_type(bob.frames, "joined")[0], "members"), R"(["alice","bob"])");
    EXPECT_EQ(field(of_type(bob.frames, "joined")[0], "member_count"), "2");

    join_as(carol, "carol");  // three: a large room
    EXPECT_EQ(of_type(alice.frames, "presence").size(), 1u) << "no presence for carol";
    EXPECT_EQ(of_type(bob.frames, "presence").size(), 0u);
    EXPECT_EQ(field(of_type(carol.frames, "joined")[0], "members"), R"(["carol"])");
    EXPECT_EQ(field(of_type(carol.frames, "joined")[0], "member_count"), "3");

    room_.tell(leave{carol.session.id(), {}});  // leaving a large room: no presence either
    run();
    EXPECT_EQ(of_type(alice.frames, "presence").size(), 1u);
    room_.tell(leave{bob.session.id(), {}});  // back to a small room: presence again
    run();
    ASSERT_EQ(of_type(alice.frames, "presence").size(), 2u);
    EXPECT_EQ(field(of_type(alice.frames, "presence")[1], "event"), "leave");

    say(alice, "alice", "a-1", "still delivered");  // messages flow whatever the size
    join_as(dave, "dave");
    EXPECT_EQ(of_type(alice.frames, "message").size(), 1u);
}

TEST_F(room_test, a_second_connection_of_the_same_user_is_not_a_new_presence) {
    make_room(true);
    auto alice = connect(), bob1 = connect(), bob2 = connect();
    join_as(alice, "alice");
    join_as(bob1, "bob");
    join_as(bob2, "bob");
    EXPECT_EQ(of_type(alice.frames, "presence").size(), 1u);
    room_.tell(leave{bob1.session.id(), {}});
    run();
    EXPECT_EQ(of_type(alice.frames, "presence").size(), 1u) << "bob is still there on another connection";
}

TEST_F(room_test, a_session_that_dies_leaves_the_room) {
    make_room(true);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    sys_.stop(bob.session);
    run();
    auto p = of_type(alice.frames, "presence");
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(field(p[1], "user"), "bob");
    EXPECT_EQ(field(p[1], "event"), "leave");
}

TEST_F(room_test, a_rejoin_with_since_replays_what_was_missed_then_streams_live_without_overlap) {
    make_room(true);
    auto alice = connect();
    join_as(alice, "alice");
    for (int i = 1; i <= 5; ++i) say(alice, "alice", "c" + std::to_string(i), "line " + std::to_string(i));

    auto bob = connect();
    room_.tell(join{bob.session.id(), "bob", bob.session, std::uint64_t{2}, std::uint64_t{2}});
    // A live line is committed while bob's replay is being read.
    room_.tell(post{alice.session.id(), "alice", "c6", "line 6", std::uint64_t{1}, 0});
    run();

    std::vector<std::string> order;
    for (const auto& f : *bob.frames)
        order.push_back(f.type == "message" ? "m" + field(f, "seq") : f.type);
    EXPECT_EQ(order, (std::vector<std::string>{"joined", "m3", "m4", "m5", "replay_done", "m6"}));
    auto done = of_type(bob.frames, "replay_done");
    EXPECT_EQ(field(done[0], "complete"), "true");
    EXPECT_EQ(field(done[0], "through"), "5");
}

TEST_F(room_test, a_replay_longer_than_the_limit_sends_the_newest_lines_and_says_it_is_incomplete) {
    make_room(true, {.replay_limit = 2});
    auto alice = connect();
    join_as(alice, "alice");
    for (int i = 1; i <= 5; ++i) say(alice, "alice", "c" + std::to_string(i), "x");
    auto bob = connect();
    join_as(bob, "bob", 0);
    std::vector<std::string> order;
    for (const auto& f : *bob.frames) order.push_back(f.type == "message" ? "m" + field(f, "seq") : f.type);
    // The client pages history before 4 for the rest.
    EXPECT_EQ(order, (std::vector<std::string>{"joined", "m4", "m5", "replay_done"}));
    auto done = of_type(bob.frames, "replay_done");
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(field(done[0], "complete"), "false");
    EXPECT_EQ(field(done[0], "through"), "5");
}

TEST_F(room_test, a_replay_of_exactly_the_limit_is_complete) {
    make_room(true, {.replay_limit = 2});
    auto alice = connect();
    join_as(alice, "alice");
    for (int i = 1; i <= 5; ++i) say(alice, "alice", "c" + std::to_string(i), "x");
    auto bob = connect();
    join_as(bob, "bob", 3);
    auto msgs = of_type(bob.frames, "message");
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(field(msgs[0], "seq"), "4");
    auto done = of_type(bob.frames, "replay_done");
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(field(done[0], "complete"), "true");
    EXPECT_EQ(field(done[0], "through"), "5");
}

TEST_F(room_test, a_replay_keeps_the_newest_lines_that_fit_its_byte_limit) {
    // Control characters escape six times over: 1000 of them are a 6 KB frame.
    make_room(true, {.replay_max_bytes = 20'000});
    auto alice = connect();
    join_as(alice, "alice");
    for (int i = 1; i <= 5; ++i) say(alice, "alice", "c" + std::to_string(i), std::string(1000, '\x01'));
    auto bob = connect();
    join_as(bob, "bob", 0);
    auto msgs = of_type(bob.frames, "message");
    std::size_t bytes = 0;
    for (const auto& m : msgs) bytes += m.json.size();
    EXPECT_LE(bytes, 20'000u);
    ASSERT_EQ(msgs.size(), 3u);
    EXPECT_EQ(field(msgs[0], "seq"), "3");
    EXPECT_EQ(field(msgs[2], "seq"), "5");
    auto done = of_type(bob.frames, "replay_done");
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(field(done[0], "complete"), "false");
    EXPECT_EQ(field(done[0], "through"), "5");
}

TEST_F(room_test, live_lines_held_back_during_a_replay_are_bounded_in_bytes_and_none_is_lost) {
    make_room(false, {.replay_max_bytes = 10'000});
    auto alice = connect();
    join_as(alice, "alice");
    say(alice, "alice", "c1", "small");
    storage_.tell(chatd::test::commit_now{});
    run();
    // Three 6 KB lines are committed while bob's replay is read: more than
    // may be held back for him.
    for (int i = 2; i <= 4; ++i)
        room_.tell(post{alice.session.id(), "alice", "c" + std::to_string(i), std::string(1000, '\x01'), std::uint64_t{1}, 0});
    run();
    auto bob = connect();
    join_as(bob, "bob", 0);
    std::size_t held = 0;
    bool after_done = false;
    std::vector<std::string> seqs;
    for (const auto& f : *bob.frames) {
        if (after_done) held += f.json.size();
        after_done = after_done || f.type == "replay_done";
        if (f.type == "message") seqs.push_back(field(f, "seq"));
    }
    EXPECT_LE(held, 10'000u);
    // No gap the client cannot fill: it has the newest line, and what it
    // lacks is older than the first line it got (history before that).
    EXPECT_EQ(seqs, (std::vector<std::string>{"4"}));
    auto done = of_type(bob.frames, "replay_done");
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(field(done[0], "complete"), "false");
    EXPECT_EQ(field(done[0], "through"), "4");
}

TEST_F(room_test, typing_goes_to_the_others_at_most_once_per_interval) {
    make_room(true);
    auto alice = connect(), bob = connect();
    join_as(alice, "alice");
    join_as(bob, "bob");
    room_.tell(typing{alice.session.id()});
    room_.tell(typing{alice.session.id()});
    run();
    EXPECT_EQ(of_type(bob.frames, "typing").size(), 1u);
    EXPECT_TRUE(of_type(alice.frames, "typing").empty());
    advance(2s);
    room_.tell(typing{alice.session.id()});
    run();
    EXPECT_EQ(of_type(bob.frames, "typing").size(), 2u);
}

TEST_F(room_test, a_room_that_crashes_is_restarted_its_members_rejoin_and_numbering_continues) {
    make_room(true);
    auto alice = connect();
    join_as(alice, "alice");
    say(alice, "alice", "c1", "before");
    room_.tell(chatd::chat::crash_room{});
    run();
    EXPECT_EQ(of_type(alice.frames, "room_reset").size(), 1u) << "members are told to rejoin";
    join_as(alice, "alice", 1);
    say(alice, "alice", "c2", "after");
    auto msgs = of_type(alice.frames, "message");
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(field(msgs[1], "seq"), "2");
    EXPECT_EQ(field(msgs[1], "text"), "after");
}

}  // namespace
