// Who a connection is: guests and token users never share a name, and a
// token's expiry ends its connection unless a fresh token comes first.

#include "auth/jwt.hpp"
#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;
using identity = chatd::test::server_fixture;

constexpr const char* secret = "s3cret";

// A token for `sub` that expires `seconds` from now (a fraction allowed).
std::string token(const std::string& sub, double seconds) {
    const double exp =
        std::chrono::duration<double>((std::chrono::system_clock::now()).time_since_epoch()).count() + seconds;
    return chatd::auth::sign_hs256_payload(R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp) + "}", secret);
}

std::string identify_with(const std::string& tok, int id = 1) {
    return R"({"type":"identify","id":)" + std::to_string(id) + R"(,"token":")" + tok + R"("})";
}

// The reply to the next request: the identified event or the error's code.
std::string reply_code(ws_client& c) {
    while (auto f = c.next()) {
        const std::string type = json_field(*f, "type");
        if (type == "identified") return "identified";
        if (type == "error") return json_field(*f, "code");
    }
    return "<closed>";
}

// Identifies with `frame` (expecting `user` and `guest` back), joins
// general and posts `text` as client_id c-1; returns the ack.
std::optional<std::string> identify_and_post(ws_client& c, const std::string& frame, const std::string& user,
                                             bool guest, const std::string& text) {
    c.send(frame);
    auto who = c.wait_for("identified");
    if (!who) return std::nullopt;
    EXPECT_EQ(json_field(*who, "user"), user);
    EXPECT_EQ(json_field(*who, "guest"), guest ? "true" : "false");
    c.send(R"({"type":"join","id":2,"room":"general"})");
    if (!c.wait_for("joined")) return std::nullopt;
    c.send(R"({"type":"send","id":3,"room":"general","client_id":"c-1","text":")" + text + R"("})");
    return c.wait_for("ack");
}

TEST_F(identity, a_guest_named_like_a_token_user_is_another_user_and_never_swallows_its_lines) {
    cfg_.session.jwt_secret = secret;
    cfg_.session.allow_guests = true;
    start();
    ws_client guest(port()), alice(port());
    const auto guest_ack =
        identify_and_post(guest, R"({"type":"identify","id":1,"name":"alice"})", "guest:alice", true, "from the guest");
    const auto alice_ack = identify_and_post(alice, identify_with(token("alice", 3600)), "alice", false, "from alice");
    ASSERT_TRUE(guest_ack && alice_ack);
    EXPECT_NE(json_field(*alice_ack, "seq"), json_field(*guest_ack, "seq"));

    // Both lines are stored, each with its own sender.
    alice.send(R"({"type":"history","id":4,"room":"general"})");
    auto page = alice.wait_for("history");
    ASSERT_TRUE(page);
    simdjson::dom::parser p;
    simdjson::dom::array lines = p.parse(*page)["messages"].get_array().value();
    ASSERT_EQ(lines.size(), 2U);
    std::set<std::string> from, text;
    std::set<std::uint64_t> seqs;
    for (auto l : lines) {
        from.emplace(std::string_view(l["from"]));
        text.emplace(std::string_view(l["text"]));
        seqs.insert(std::uint64_t(l["seq"]));
    }
    EXPECT_EQ(from, (std::set<std::string>{"alice", "guest:alice"}));
    EXPECT_EQ(text, (std::set<std::string>{"from alice", "from the guest"}));
    EXPECT_EQ(seqs.size(), 2U);
}

TEST_F(identity, a_token_cannot_claim_the_guest_namespace) {
    cfg_.session.jwt_secret = secret;
    cfg_.session.allow_guests = true;
    start();
    ws_client c(port());
    c.send(identify_with(token("guest:alice", 3600)));
    EXPECT_EQ(reply_code(c), "auth_failed");
}

TEST_F(identity, a_guests_only_server_keeps_names_as_given) {
    start();
    ws_client c(port());
    c.send(R"({"type":"identify","id":1,"name":"alice"})");
    auto who = c.wait_for("identified");
    ASSERT_TRUE(who);
    EXPECT_EQ(json_field(*who, "user"), "alice");
}

TEST_F(identity, a_connection_is_closed_with_4001_when_its_token_expires) {
    cfg_.session.jwt_secret = secret;
    start();
    ws_client c(port());
    c.send(identify_with(token("alice", 0.5)));
    ASSERT_EQ(reply_code(c), "identified");
    EXPECT_EQ(c.wait_closed(), 4001);
}

TEST_F(identity, a_token_whose_exp_is_past_any_clock_keeps_its_connection) {
    cfg_.session.jwt_secret = secret;
    start();
    ws_client forever(port()), brief(port());
    forever.send(identify_with(chatd::auth::sign_hs256_payload(R"({"sub":"alice","exp":1e300})", secret)));
    ASSERT_EQ(reply_code(forever), "identified");
    brief.send(identify_with(token("bob", 0.5)));
    ASSERT_EQ(reply_code(brief), "identified");
    EXPECT_EQ(brief.wait_closed(), 4001);
    forever.send(R"({"type":"ping","id":2})");
    EXPECT_TRUE(forever.wait_for("pong"));
}

TEST_F(identity, a_fresh_token_for_the_same_user_moves_the_deadline) {
    cfg_.session.jwt_secret = secret;
    cfg_.session.allow_guests = true;
    start();
    ws_client refreshed(port()), bystander(port());
    refreshed.send(identify_with(token("alice", 1.5)));
    ASSERT_EQ(reply_code(refreshed), "identified");
    bystander.send(identify_with(token("bob", 3)));
    ASSERT_EQ(reply_code(bystander), "identified");

    // Another user's token, or a guest name, is still a second identity.
    refreshed.send(identify_with(token("carol", 3600), 2));
    EXPECT_EQ(reply_code(refreshed), "already_identified");
    refreshed.send(R"({"type":"identify","id":3,"name":"alice"})");
    EXPECT_EQ(reply_code(refreshed), "already_identified");
    // A bad token for the same user changes nothing.
    refreshed.send(identify_with(chatd::auth::sign_hs256("alice", 4'000'000'000, "wrong"), 4));
    EXPECT_EQ(reply_code(refreshed), "auth_failed");
    refreshed.send(identify_with(token("alice", 3600), 5));
    auto again = refreshed.wait_for("identified");
    ASSERT_TRUE(again);
    EXPECT_EQ(json_field(*again, "id"), "5");
    EXPECT_EQ(json_field(*again, "user"), "alice");

    // The bystander's token expired after the first one would have.
    EXPECT_EQ(bystander.wait_closed(), 4001);
    refreshed.send(R"({"type":"ping","id":6})");
    EXPECT_TRUE(refreshed.wait_for("pong")) << "the refreshed connection was closed";

    // A guest cannot refresh into a token user.
    ws_client guest(port());
    guest.send(R"({"type":"identify","id":1,"name":"alice"})");
    ASSERT_EQ(reply_code(guest), "identified");
    guest.send(identify_with(token("alice", 3600), 2));
    EXPECT_EQ(reply_code(guest), "already_identified");
}

}  // namespace
