// The lobby hands out one room per name, on the deterministic executor.

#include "chat/lobby.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using chatd::chat::lobby;
using chatd::chat::open_room;

class lobby_test : public act::test::deterministic {
protected:
    void SetUp() override {
        storage_ = sys_.spawn<chatd::test::fake_storage>({}, std::make_shared<chatd::test::fake_db>(), true);
        rooms_ = sys_.spawn_supervisor({.label = "rooms"}, {});
        lobby_ = sys_.spawn<lobby>({.label = "lobby"}, rooms_, chatd::chat::room::storage_ref(storage_),
                                   chatd::chat::room_options{});
        run();
    }
    chatd::chat::room_ref open(const std::string& name) {
        auto r = lobby_.ask(open_room{name}, 1s).get();
        EXPECT_TRUE(r.has_value());
        return r ? *r : chatd::chat::room_ref{};
    }

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
    auto fresh = sys_.spawn<lobby>({}, rooms_, chatd::chat::room::storage_ref(storage_), chatd::chat::room_options{});
    auto again = fresh.ask(open_room{"general"}, 1s).get();
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, before);
}

}  // namespace
