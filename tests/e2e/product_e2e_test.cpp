// chatd end to end, on rooms made by request (create_room, open_direct),
// read markers across a user's connections, and what a non-member of a
// private room can learn: the server in-process, real WebSocket clients
// signed in with tokens.

#include "auth/jwt.hpp"
#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace {

using chatd::test::ask;
using chatd::test::json_field;
using chatd::test::ws_client;

constexpr const char* secret = "product-e2e-secret";

class product_e2e : public chatd::test::server_fixture {
protected:
    void SetUp() override {
        cfg_.session.limits.product_requests = true;
        cfg_.session.jwt_secret = secret;
        start();
    }

    /// A client signed in as `user` with a token.
    std::unique_ptr<ws_client> sign_in(const std::string& user) {
        auto c = std::make_unique<ws_client>(port());
        const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count() +
                         3600;
        c->send(R"({"type":"identify","id":1,"token":")" + chatd::auth::sign_hs256(user, exp, secret) + R"("})");
        identified_ = c->wait_for("identified").value_or("");
        EXPECT_EQ(json_field(identified_, "user"), user);
        return c;
    }

    std::string identified_;  // the last sign_in's identified reply
};

TEST_F(product_e2e, a_private_room_is_not_found_for_a_non_member_just_like_a_room_that_does_not_exist) {
    auto alice = sign_in("alice");
    const auto made = ask(*alice, R"({"type":"create_room","id":2,"kind":"private","topic":"plans"})", "room");
    ASSERT_EQ(json_field(made, "type"), "room") << made;
    const std::string room = json_field(made, "room");
    EXPECT_EQ(room.size(), 21u);
    EXPECT_EQ(room[0], '!');
    EXPECT_EQ(json_field(made, "role"), "owner");
    ASSERT_EQ(json_field(ask(*alice, R"({"type":"join","id":3,"room":")" + room + R"("})", "joined"), "type"),
              "joined");
    alice->send(R"({"type":"send","id":4,"room":")" + room + R"(","text":"the secret","client_id":"a1"})");
    ASSERT_TRUE(alice->wait_for("ack"));

    auto mallory = sign_in("mallory");
    // Joining and reading at once, without waiting for the join's answer.
    mallory->send(R"({"type":"join","id":2,"room":")" + room + R"("})");
    mallory->send(R"({"type":"history","id":3,"room":")" + room + R"("})");
    mallory->send(R"({"type":"join","id":4,"room":"!abcdefghijklmnopqrst"})");
    std::string refused, history_answer, missing;
    for (int i = 0; i < 3; ++i) {
        auto f = mallory->next();
        ASSERT_TRUE(f);
        EXPECT_EQ(f->find("the secret"), std::string::npos) << *f;
        const std::string id = json_field(*f, "id");
        (id == "2" ? refused : id == "3" ? history_answer : missing) = *f;
    }
    EXPECT_EQ(json_field(refused, "code"), "not_found");
    EXPECT_EQ(json_field(history_answer, "code"), "not_in_room");
    EXPECT_EQ(json_field(missing, "code"), "not_found");
    EXPECT_EQ(json_field(refused, "message"), json_field(missing, "message"))
        << "a non-member tells the private room from a missing one";
}

TEST_F(product_e2e, open_direct_makes_one_room_for_a_set_of_users_and_both_can_talk_in_it) {
    auto alice = sign_in("alice");
    const auto a = ask(*alice, R"({"type":"open_direct","id":2,"users":["bob"]})", "room");
    ASSERT_EQ(json_field(a, "type"), "room") << a;
    EXPECT_EQ(json_field(a, "kind"), "direct");
    auto bob = sign_in("bob");
    const auto b = ask(*bob, R"({"type":"open_direct","id":2,"users":["alice","bob"]})", "room");
    ASSERT_EQ(json_field(b, "room"), json_field(a, "room")) << "the same users, another room";
    const std::string room = json_field(a, "room");
    // bob's sign-in lists the room already: it is a member of it.
    EXPECT_NE(identified_.find(room), std::string::npos) << identified_;

    ASSERT_EQ(json_field(ask(*alice, R"({"type":"join","id":3,"room":")" + room + R"("})", "joined"), "type"),
              "joined");
    ASSERT_EQ(json_field(ask(*bob, R"({"type":"join","id":3,"room":")" + room + R"("})", "joined"), "type"),
              "joined");
    alice->send(R"({"type":"send","id":4,"room":")" + room + R"(","text":"hi bob","client_id":"a1"})");
    auto m = bob->wait_for("message");
    ASSERT_TRUE(m);
    EXPECT_EQ(json_field(*m, "text"), "hi bob");

    auto carol = sign_in("carol");
    const auto c = ask(*carol, R"({"type":"join","id":2,"room":")" + room + R"("})", "joined");
    EXPECT_EQ(json_field(c, "code"), "not_found") << c;
}

TEST_F(product_e2e, read_on_one_device_moves_the_marker_on_the_others_and_the_counts_come_back_on_sign_in) {
    auto bob = sign_in("bob");
    ASSERT_EQ(json_field(ask(*bob, R"({"type":"join","id":2,"room":"general"})", "joined"), "type"), "joined");
    std::uint64_t last = 0;
    for (int i = 1; i <= 3; ++i) {
        const auto ack = ask(*bob, say("general", "line", "b" + std::to_string(i)), "ack");
        last = std::stoull(json_field(ack, "seq"));
    }
    auto phone = sign_in("alice");
    auto laptop = sign_in("alice");
    ASSERT_EQ(json_field(ask(*laptop, R"({"type":"join","id":2,"room":"general"})", "joined"), "type"), "joined");
    const auto ok = ask(*laptop, R"({"type":"read","id":3,"room":"general","seq":)" + std::to_string(last - 1) + "}",
                        "read_ok");
    ASSERT_EQ(json_field(ok, "type"), "read_ok") << ok;
    EXPECT_EQ(json_field(ok, "seq"), std::to_string(last - 1));
    EXPECT_EQ(json_field(ok, "unread"), "1");
    auto marker = phone->wait_for("marker");
    ASSERT_TRUE(marker) << "the user's other connection was not told";
    EXPECT_EQ(json_field(*marker, "room"), "general");
    EXPECT_EQ(json_field(*marker, "seq"), std::to_string(last - 1));
    EXPECT_EQ(json_field(*marker, "unread"), "1");

    // A new connection hears the same counts on sign-in and on join.
    auto tablet = sign_in("alice");
    EXPECT_NE(identified_.find(R"("room":"general")"), std::string::npos) << identified_;
    EXPECT_NE(identified_.find(R"("unread":1)"), std::string::npos) << identified_;
    const auto joined = ask(*tablet, R"({"type":"join","id":2,"room":"general"})", "joined");
    EXPECT_EQ(json_field(joined, "read"), std::to_string(last - 1)) << joined;
    EXPECT_EQ(json_field(joined, "unread"), "1");
}

TEST_F(product_e2e, guests_may_not_make_rooms) {
    ws_client guest(port());
    guest.identify("gus");
    const auto r = ask(guest, R"({"type":"create_room","id":2,"kind":"private"})", "room");
    EXPECT_EQ(json_field(r, "code"), "forbidden") << r;
    const auto d = ask(guest, R"({"type":"open_direct","id":3,"users":["alice"]})", "room");
    EXPECT_EQ(json_field(d, "code"), "forbidden") << d;
}

}  // namespace
