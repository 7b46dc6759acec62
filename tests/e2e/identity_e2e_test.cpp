// Who a connection is: guests and token users never share a name.

#include "auth/jwt.hpp"
#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
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

TEST_F(identity, a_guest_named_like_a_token_user_is_another_user_and_never_swallows_its_lines) {
    cfg_.session.jwt_secret = secret;
    cfg_.session.allow_guests = true;
    start();
    ws_client guest(port());
    guest.send(R"({"type":"identify","id":1,"name":"alice"})");
    auto who = guest.wait_for("identified");
    ASSERT_TRUE(who);
    EXPECT_EQ(json_field(*who, "user"), "guest:alice");
    EXPECT_EQ(json_field(*who, "guest"), "true");
    guest.send(R"({"type":"join","id":2,"room":"general"})");
    ASSERT_TRUE(guest.wait_for("joined"));
    guest.send(say("general", "from the guest", "c-1"));
    auto guest_ack = guest.wait_for("ack");
    ASSERT_TRUE(guest_ack);

    ws_client alice(port());
    alice.send(identify_with(token("alice", 3600)));
    who = alice.wait_for("identified");
    ASSERT_TRUE(who);
    EXPECT_EQ(json_field(*who, "user"), "alice");
    EXPECT_EQ(json_field(*who, "guest"), "false");
    alice.send(R"({"type":"join","id":2,"room":"general"})");
    ASSERT_TRUE(alice.wait_for("joined"));
    alice.send(say("general", "from alice", "c-1"));
    auto alice_ack = alice.wait_for("ack");
    ASSERT_TRUE(alice_ack);
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

}  // namespace
