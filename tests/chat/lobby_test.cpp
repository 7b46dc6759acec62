// The lobby hands out one room per name, passes joins on, and retires idle
// rooms, on the deterministic executor.

#include "chat/lobby.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using chatd::chat::lobby;
using chatd::chat::open_result;
using chatd::chat::open_room;
using chatd::chat::room;
using chatd::test::field;
using chatd::test::of_type;

class lobby_test : public act::test::deterministic {
protected:
    void SetUp() override {
        storage_ = sys_.spawn<chatd::test::fake_storage>({}, db_, true);
        rooms_ = sys_.spawn_supervisor({.label = "rooms"}, {});
        lobby_ = sys_.spawn<lobby>({.label = "lobby"}, rooms_, room::storage_ref(storage_), opts_);
        run();
    }
    chatd::chat::room_ref open(const std::string& name) {
        auto r = lobby_.ask(open_room{name}, 1s).get();
        EXPECT_TRUE(r.has_value());
        return r ? r->room : chatd::chat::room_ref{};
    }
    struct member {
        chatd::test::inbox frames;
        chatd::chat::session_ref session;
    };
    member connect() {
        auto frames = std::make_shared<std::vector<chatd::test::seen>>();
        return {frames, chatd::chat::session_ref(sys_.spawn<chatd::test::fake_session>({}, frames))};
    }
    /// Asks the lobby for `name` with a join, without running anything.
    void request_join(const member& m, const std::string& name, bool may_create = true,
                      std::optional<std::uint64_t> since = {}) {
        open_room req{name, chatd::chat::join{m.session.id(), "user", m.session, std::uint64_t{1}, since}, may_create};
        lobby_.send_request(std::make_shared<recorder>(answers_), std::move(req), 1s);
    }
    std::optional<room::ref_type> running(const std::string& name) {
        return sys_.lookup<room::ref_type>(lobby::registry_name(name));
    }
    /// A room someone joined and left: empty, but not yet idle for long.
    room::ref_type emptied_room(const std::string& name) {
        auto alice = connect();
        request_join(alice, name);
        run();
        auto r = *running(name);
        r.tell(chatd::chat::leave{alice.session.id(), {}});
        run();
        return r;
    }
    /// Collects the lobby's answers to request_join.
    struct recorder final : act::ask_state<open_result> {
        explicit recorder(std::shared_ptr<std::vector<act::result<open_result>>> out) : out_(std::move(out)) {}
        void deliver(act::result<open_result> r) override { out_->push_back(std::move(r)); }
        std::shared_ptr<std::vector<act::result<open_result>>> out_;
    };

    chatd::chat::room_options opts_{.idle_timeout = 10s};
    std::shared_ptr<chatd::test::fake_db> db_ = std::make_shared<chatd::test::fake_db>();
    std::shared_ptr<std::vector<act::result<open_result>>> answers_ =
        std::make_shared<std::vector<act::result<open_result>>>();
    chatd::test::fake_storage::ref_type storage_;
    act::supervisor_ref rooms_;
    lobby::ref_type lobby_;
};

TEST_F(lobby_test, the_same_name_gives_the_same_room_and_another_name_another) {
    auto a = open("general"), b = open("general"), c = open("random");
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_TRUE(sys_.lookup<chatd::chat::room_ref>(lobby::registry_name("general")).has_value());
}

TEST_F(lobby_test, a_fresh_lobby_finds_the_rooms_that_already_run) {
    // A restarted lobby is a fresh instance with an empty directory; a second
    // lobby is the same situation, and must not start a second "general".
    auto before = open("general");
    auto fresh = sys_.spawn<lobby>({}, rooms_, room::storage_ref(storage_), chatd::chat::room_options{});
    auto again = fresh.ask(open_room{"general"}, 1s).get();
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->room, before);
}

TEST_F(lobby_test, a_join_goes_through_the_lobby_to_the_room) {
    auto alice = connect();
    request_join(alice, "general");
    run();
    ASSERT_EQ(answers_->size(), 1u);
    ASSERT_TRUE((*answers_)[0].has_value());
    EXPECT_TRUE((*answers_)[0]->created);
    EXPECT_EQ(of_type(alice.frames, "joined").size(), 1u);
}

TEST_F(lobby_test, an_empty_room_stops_after_its_idle_time_and_the_next_join_reloads_its_last_seq) {
    auto alice = connect();
    request_join(alice, "general");
    run();
    auto r = running("general");
    ASSERT_TRUE(r.has_value());
    for (int i = 1; i <= 3; ++i) r->tell(chatd::chat::post{alice.session.id(), "user", "c" + std::to_string(i), "x", {}, 0});
    r->tell(chatd::chat::leave{alice.session.id(), {}});
    run();

    advance(9s);
    EXPECT_TRUE(running("general").has_value()) << "stopped before its idle time";
    advance(2s);
    EXPECT_FALSE(running("general").has_value()) << "an idle room stays in memory";

    auto bob = connect();
    request_join(bob, "general", true, 0);
    run();
    ASSERT_TRUE(running("general").has_value());
    auto joined = of_type(bob.frames, "joined");
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_EQ(field(joined[0], "last_seq"), "3");
    EXPECT_EQ(of_type(bob.frames, "message").size(), 3u);
}

TEST_F(lobby_test, a_server_assigned_name_that_does_not_exist_is_refused_and_its_room_does_not_stay) {
    auto alice = connect(), bob = connect();
    request_join(alice, "!nosuchroom");
    request_join(bob, "!nosuchroom");
    run();  // no time passes: it does not wait for its idle time
    for (const auto* m : {&alice, &bob}) {
        auto errors = of_type(m->frames, "error");
        ASSERT_EQ(errors.size(), 1u);
        EXPECT_EQ(field(errors[0], "code"), "not_found");
        EXPECT_EQ(of_type(m->frames, "unsubscribed").size(), 1u);
        EXPECT_TRUE(of_type(m->frames, "joined").empty());
    }
    EXPECT_FALSE(running("!nosuchroom").has_value()) << "a room runs for a name that does not exist";
    EXPECT_TRUE(db_->rooms["!nosuchroom"].empty()) << "a join made it";

    auto carol = connect();  // a later join asks storage again, and is refused again
    request_join(carol, "!nosuchroom");
    run();
    EXPECT_EQ(of_type(carol.frames, "unsubscribed").size(), 1u);
    EXPECT_FALSE(running("!nosuchroom").has_value());
}

TEST_F(lobby_test, a_room_with_members_is_not_retired) {
    auto alice = connect();
    request_join(alice, "general");
    run();
    advance(1h);
    EXPECT_TRUE(running("general").has_value());
}

TEST_F(lobby_test, a_join_that_comes_while_a_room_retires_waits_and_gets_a_fresh_room) {
    auto old = emptied_room("general");
    // The room says it is idle, and a join reaches the lobby before the room
    // has answered the lobby's request to stop.
    lobby_.tell(chatd::chat::room_idle{"general", old.id()});
    auto bob = connect();
    request_join(bob, "general");
    run();
    ASSERT_EQ(answers_->size(), 2u);
    ASSERT_TRUE((*answers_)[1].has_value());
    EXPECT_TRUE((*answers_)[1]->room.valid());
    EXPECT_NE((*answers_)[1]->room.id(), old.id()) << "served by the room that stopped";
    EXPECT_TRUE(old.terminated());
    EXPECT_EQ(of_type(bob.frames, "joined").size(), 1u) << "the join was lost";
}

TEST_F(lobby_test, a_room_declines_to_retire_when_a_join_came_first) {
    auto old = emptied_room("general");
    // The lobby passes a join on, then hears the room was idle: the room
    // has the join by the time it is asked, and stays.
    auto bob = connect();
    request_join(bob, "general");
    lobby_.tell(chatd::chat::room_idle{"general", old.id()});
    run();
    EXPECT_FALSE(old.terminated());
    EXPECT_EQ(of_type(bob.frames, "joined").size(), 1u);
    auto carol = connect();
    request_join(carol, "general");
    run();
    ASSERT_EQ(answers_->size(), 3u);
    EXPECT_EQ((*answers_)[2]->room.id(), old.id());
}

TEST_F(lobby_test, a_caller_out_of_creations_cannot_start_a_room_but_can_join_a_running_one) {
    open("general");
    auto alice = connect();
    request_join(alice, "new-room", false);
    request_join(alice, "general", false);
    run();
    ASSERT_EQ(answers_->size(), 2u);
    EXPECT_TRUE((*answers_)[0]->refused);
    EXPECT_FALSE(running("new-room").has_value());
    EXPECT_FALSE((*answers_)[1]->refused);
    EXPECT_FALSE((*answers_)[1]->created);
    EXPECT_EQ(of_type(alice.frames, "joined").size(), 1u);
}

}  // namespace
