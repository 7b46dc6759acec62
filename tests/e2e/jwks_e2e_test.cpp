// Sign-in with an identity provider's tokens: chatd reads a JWKS file, and
// a client signs in over WebSocket with an ES256 token; a file it cannot
// use keeps the real binary from starting.

#include "../auth/token_signer.hpp"
#include "auth/jwks.hpp"
#include "run_chatd.hpp"
#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

namespace {

using chatd::test::json_field;
using chatd::test::run_chatd;
using chatd::test::ws_client;
using jwks_sign_in = chatd::test::server_fixture;

std::string in_an_hour(const std::string& sub) {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
                         .count();
    return R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp) + "}";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

TEST_F(jwks_sign_in, an_es256_token_from_the_providers_key_signs_in_and_posts) {
    const auto idp = chatd::test::ec_p256();
    write_file(dir_ / "jwks.json", R"({"keys":[)" + chatd::test::jwk_json(idp, "idp-1") + "]}");
    cfg_.session.allow_guests = true;
    cfg_.session.jwks = std::make_shared<const chatd::auth::jwk_set>(chatd::auth::jwk_set::load(dir_ / "jwks.json"));
    start();

    ws_client alice(port());
    const auto token = chatd::test::sign_jws(idp, R"({"alg":"ES256","typ":"JWT","kid":"idp-1"})", in_an_hour("alice"));
    alice.send(R"({"type":"identify","id":1,"token":")" + token + R"("})");
    auto who = alice.wait_for("identified");
    ASSERT_TRUE(who);
    EXPECT_EQ(json_field(*who, "user"), "alice");
    EXPECT_EQ(json_field(*who, "guest"), "false");
    alice.send(R"({"type":"join","id":2,"room":"general"})");
    ASSERT_TRUE(alice.wait_for("joined"));
    alice.send(say("general", "signed by the provider", "c-1"));
    EXPECT_TRUE(alice.wait_for("ack"));

    // A key the set does not hold; a guest, let in, is named apart from token users.
    ws_client mallory(port());
    const auto other = chatd::test::sign_jws(chatd::test::ec_p256(), R"({"alg":"ES256","kid":"idp-2"})",
                                             in_an_hour("mallory"));
    mallory.send(R"({"type":"identify","id":1,"token":")" + other + R"("})");
    auto refused = mallory.wait_for("error");
    ASSERT_TRUE(refused);
    EXPECT_EQ(json_field(*refused, "code"), "auth_failed");
    mallory.send(R"({"type":"identify","id":2,"name":"alice"})");
    who = mallory.wait_for("identified");
    ASSERT_TRUE(who);
    EXPECT_EQ(json_field(*who, "user"), "guest:alice");
}

TEST_F(jwks_sign_in, a_jwks_file_that_cannot_be_used_stops_the_start_with_exit_1) {
    write_file(dir_ / "broken.json", R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})");
    for (const auto& [file, why] : {std::pair{dir_ / "missing.json", std::string("cannot be opened")},
                                    std::pair{dir_ / "broken.json", std::string("key 0: a P-256 key needs x and y")}}) {
        const auto [code, printed] = run_chatd({"--bind", "127.0.0.1", "--port", "0", "--db",
                                                (dir_ / "chat.db").string(), "--jwks-file", file.string()});
        EXPECT_EQ(code, 1) << printed;
        EXPECT_NE(printed.find("--jwks-file " + file.string() + ": " + why), std::string::npos) << printed;
    }
    EXPECT_FALSE(std::filesystem::exists(dir_ / "chat.db"));  // refused before anything was opened
}

}  // namespace
