// RS256 and ES256 tokens under a JSON Web Key Set: what is let in and what
// is refused, with keys and tokens made here the way an identity provider
// makes them.

#include "auth/base64url.hpp"
#include "auth/jwks.hpp"
#include "auth/jwt.hpp"
#include "token_signer.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using chatd::auth::jwk_set;
using chatd::auth::jwt_claims;
using chatd::auth::jwt_error;
using chatd::auth::verify_jwt;
using chatd::test::sign_jws;

const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
const std::string alice = R"({"sub":"alice","exp":1700003600})";

// One RSA and one EC key, made once for the whole program (RSA keygen is slow).
struct keys {
    chatd::test::pkey rsa = chatd::test::rsa_2048();
    chatd::test::pkey ec = chatd::test::ec_p256();
    std::string jwks_json = R"({"keys":[)" + chatd::test::jwk_json(rsa, "r1", R"("alg":"RS256","use":"sig")") + "," +
                            chatd::test::jwk_json(ec, "e1") + "]}";
    jwk_set set = jwk_set::parse(jwks_json).value();
};
const keys& k() {
    static const keys all;
    return all;
}

act::result<jwt_claims, jwt_error> verify(const std::string& token, const std::string& secret = "") {
    return verify_jwt(token, secret, &k().set, now);
}

jwt_error refused(const std::string& token, const std::string& secret = "") {
    auto r = verify(token, secret);
    EXPECT_FALSE(r.has_value()) << "accepted: " << token;
    return r.has_value() ? jwt_error::malformed : r.error();
}

std::string rs256(const std::string& payload, const std::string& kid = "r1") {
    return sign_jws(k().rsa, R"({"alg":"RS256","typ":"JWT","kid":")" + kid + R"("})", payload);
}
std::string es256(const std::string& payload, const std::string& kid = "e1") {
    return sign_jws(k().ec, R"({"alg":"ES256","kid":")" + kid + R"("})", payload);
}

// `token` with its payload replaced by `payload` and its signature kept.
std::string with_payload(const std::string& token, const std::string& payload) {
    const auto p1 = token.find('.'), p2 = token.rfind('.');
    return token.substr(0, p1 + 1) + chatd::auth::base64url_encode(payload) + token.substr(p2);
}

TEST(jwks, valid_rs256_and_es256_tokens_give_their_subject) {
    for (const auto& token : {rs256(alice), es256(R"({"sub":"bob","exp":1700003600})")}) {
        auto r = verify(token);
        ASSERT_TRUE(r.has_value()) << chatd::auth::to_string(r.error());
    }
    EXPECT_EQ(verify(rs256(alice)).value().subject, "alice");
    EXPECT_EQ(verify(es256(alice)).value().expires,
              std::chrono::system_clock::time_point(std::chrono::seconds(1'700'003'600)));
}

TEST(jwks, the_rooms_claim_is_read_when_present_and_refused_when_not_room_names) {
    auto r = verify(es256(R"({"sub":"alice","exp":1700003600,"rooms":["general","ops-2"]})"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r.value().rooms, (std::vector<chatd::auth::room_grant>{{"general"}, {"ops-2"}}));
    EXPECT_TRUE(verify(es256(alice)).value().rooms.empty());
    EXPECT_EQ(refused(es256(R"({"sub":"alice","exp":1700003600,"rooms":"general"})")), jwt_error::bad_rooms);
    EXPECT_EQ(refused(es256(R"({"sub":"alice","exp":1700003600,"rooms":[".hidden"]})")), jwt_error::bad_rooms);
    EXPECT_EQ(refused(es256(R"({"sub":"alice","exp":1700003600,"rooms":[1]})")), jwt_error::bad_rooms);
}

TEST(jwks, a_tampered_payload_is_refused) {
    const std::string mallory = R"({"sub":"mallory","exp":1700003600})";
    EXPECT_EQ(refused(with_payload(rs256(alice), mallory)), jwt_error::bad_signature);
    EXPECT_EQ(refused(with_payload(es256(alice), mallory)), jwt_error::bad_signature);
}

TEST(jwks, a_kid_the_set_does_not_hold_is_refused) {
    EXPECT_EQ(refused(rs256(alice, "r2")), jwt_error::unknown_key);
    EXPECT_EQ(refused(es256(alice, "")), jwt_error::unknown_key);
}

TEST(jwks, an_expired_token_is_refused) {
    EXPECT_EQ(refused(rs256(R"({"sub":"alice","exp":1699999999})")), jwt_error::expired);
    EXPECT_EQ(refused(es256(R"({"sub":"alice","exp":1699999999})")), jwt_error::expired);
}

TEST(jwks, alg_none_is_refused) {
    const std::string none = chatd::auth::base64url_encode(R"({"alg":"none","kid":"r1"})") + "." +
                             chatd::auth::base64url_encode(alice) + ".";
    EXPECT_EQ(refused(none), jwt_error::wrong_alg);
    EXPECT_EQ(refused(none, "s3cret"), jwt_error::wrong_alg);
}

TEST(jwks, an_hs256_token_keyed_with_the_public_key_is_refused) {
    // The classic confusion: HMAC under the RSA public key as published,
    // hoping the server feeds the public key to HMAC as a secret.
    const std::string header = chatd::auth::base64url_encode(R"({"alg":"HS256","kid":"r1"})");
    const std::string input = header + "." + chatd::auth::base64url_encode(alice);
    const std::string public_jwk = chatd::test::jwk_json(k().rsa, "r1", R"("alg":"RS256","use":"sig")");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), public_jwk.data(), static_cast<int>(public_jwk.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    const std::string token = input + "." + chatd::auth::base64url_encode(std::string(reinterpret_cast<char*>(mac), len));
    EXPECT_EQ(refused(token), jwt_error::wrong_alg);  // no secret: no HS256 at all
    EXPECT_EQ(refused(token, "s3cret"), jwt_error::bad_signature);  // checked against the secret only
}

TEST(jwks, a_token_naming_a_key_of_the_other_type_is_refused) {
    // RS256 header naming the EC key, ES256 header naming the RSA key.
    EXPECT_EQ(refused(sign_jws(k().ec, R"({"alg":"RS256","kid":"e1"})", alice)), jwt_error::wrong_alg);
    EXPECT_EQ(refused(sign_jws(k().rsa, R"({"alg":"ES256","kid":"r1"})", alice)), jwt_error::wrong_alg);
    EXPECT_EQ(refused(sign_jws(k().rsa, R"({"alg":"RS512","kid":"r1"})", alice)), jwt_error::wrong_alg);
}

TEST(jwks, a_truncated_or_badly_encoded_signature_is_refused) {
    for (const auto& token : {rs256(alice), es256(alice)}) {
        const auto dot = token.rfind('.');
        const auto signature = *chatd::auth::base64url_decode(token.substr(dot + 1));
        const auto input = token.substr(0, dot + 1);
        EXPECT_EQ(refused(input + chatd::auth::base64url_encode(signature.substr(0, signature.size() - 1))),
                  jwt_error::bad_signature);
        EXPECT_EQ(refused(input + chatd::auth::base64url_encode(signature + '\0')), jwt_error::bad_signature);
        EXPECT_EQ(refused(input), jwt_error::bad_signature);
        EXPECT_EQ(refused(token.substr(0, token.size() - 1) + "*"), jwt_error::malformed);
        // 4n + 1 characters: no base64url has that length.
        EXPECT_EQ(refused(token + "AAA"), jwt_error::malformed);
    }
}

TEST(jwks, without_kid_only_a_sole_key_of_the_alg_is_used) {
    EXPECT_TRUE(verify(sign_jws(k().ec, R"({"alg":"ES256"})", alice)).has_value());
    const auto other = chatd::test::ec_p256();
    auto two = jwk_set::parse(R"({"keys":[)" + chatd::test::jwk_json(k().ec, "e1") + "," +
                                                chatd::test::jwk_json(other, "e2") + "]}").value();
    auto r = verify_jwt(sign_jws(k().ec, R"({"alg":"ES256"})", alice), "", &two, now);
    EXPECT_EQ(r.error(), jwt_error::unknown_key);
    EXPECT_TRUE((
        verify_jwt(sign_jws(other, R"({"alg":"ES256","kid":"e2"})", alice), "", &two, now)).has_value());
}

TEST(jwks, without_a_key_set_rs256_and_es256_are_refused_and_hs256_still_works) {
    EXPECT_EQ(verify_jwt(es256(alice), "s3cret", nullptr, now).error(), jwt_error::wrong_alg);
    EXPECT_TRUE((
        verify_jwt(chatd::auth::sign_hs256("alice", 1'700'003'600, "s3cret"), "s3cret", &k().set, now)).has_value());
}

std::string parse_error(const std::string& json) {
    auto r = jwk_set::parse(json);
    EXPECT_FALSE(r.has_value()) << "parsed: " << json;
    return r.has_value() ? std::string() : r.error();
}

TEST(jwks, keys_chatd_cannot_use_are_skipped) {
    auto r = jwk_set::parse(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"OKP","crv":"Ed25519","x":"AA"},)" +
                            chatd::test::jwk_json(k().rsa, "enc", R"("use":"enc")") + "," +
                            chatd::test::jwk_json(k().rsa, "r384", R"("alg":"RS384")") + "," +
                            chatd::test::jwk_json(k().ec, "e1") + "]}");
    ASSERT_TRUE(r.has_value()) << r.error();
    ASSERT_EQ(r.value().keys().size(), 1U);
    EXPECT_EQ(r.value().keys()[0].kid, "e1");
}

TEST(jwks, a_set_that_is_wrong_says_what_is_wrong) {
    EXPECT_EQ(parse_error("not json"), "not valid JSON");
    EXPECT_EQ(parse_error(R"({"keys":{}})"), "no \"keys\" array");
    EXPECT_EQ(parse_error(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})"), "no RS256 or ES256 signing key");
    EXPECT_EQ(parse_error(R"({"keys":[)" + chatd::test::jwk_json(k().ec, "a") + "," +
                          chatd::test::jwk_json(k().rsa, "a") + "]}"),
              "key 1: kid \"a\" is given twice");
    // x and y of the right length that are no point on the curve.
    const std::string zeros = chatd::auth::base64url_encode(std::string(32, '\1'));
    EXPECT_EQ(parse_error(R"({"keys":[{"kty":"EC","crv":"P-256","x":")" + zeros + R"(","y":")" + zeros + R"("}]})"),
              "key 0: x and y are not a point on P-256");
    EXPECT_EQ(parse_error(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})"),
              "key 0: a P-256 key needs x and y of 32 bytes each in base64url");
    // A 1024-bit modulus is too short to trust.
    EXPECT_EQ(parse_error(R"({"keys":[{"kty":"RSA","e":"AQAB","n":")" +
                          chatd::auth::base64url_encode(std::string(128, '\xff')) + R"("}]})"),
              "key 0: an RSA key's n must be 2048 to 8192 bits");
    EXPECT_EQ(parse_error(R"({"keys":[{"kty":"RSA","e":"AQAB","n":"***"}]})"),
              "key 0: an RSA key needs n and e in base64url");
}

TEST(jwks, a_file_that_cannot_be_read_is_an_error_naming_it) {
    try {
        jwk_set::load("/nonexistent/jwks.json");
        FAIL() << "loaded";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()), "--jwks-file /nonexistent/jwks.json: cannot be opened");
    }
}

}  // namespace
