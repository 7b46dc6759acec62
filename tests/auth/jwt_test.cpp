// HS256 tokens: what is let in and what is refused.

#include "auth/jwt.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using chatd::auth::jwt_claims;
using chatd::auth::jwt_error;
using chatd::auth::sign_hs256;
using chatd::auth::sign_hs256_payload;
using chatd::auth::verify_hs256;

const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
constexpr std::int64_t later = 1'700'003'600;

jwt_error refused(const std::string& token, const std::string& secret = "s3cret") {
    auto r = verify_hs256(token, secret, now);
    EXPECT_FALSE(r.has_value()) << "accepted: " << token;
    return r.has_value() ? jwt_error::malformed : r.error();
}

TEST(jwt, a_valid_token_gives_its_subject) {
    auto r = verify_hs256(sign_hs256("alice", later, "s3cret"), "s3cret", now);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r.value().subject, "alice");
    EXPECT_EQ(r.value().expires, std::chrono::system_clock::time_point(std::chrono::seconds(later)));
}

TEST(jwt, a_token_signed_with_another_secret_is_refused) {
    EXPECT_EQ(refused(sign_hs256("alice", later, "other")), jwt_error::bad_signature);
}

TEST(jwt, an_expired_token_is_refused) {
    EXPECT_EQ(refused(sign_hs256("alice", 1'699'999'999, "s3cret")), jwt_error::expired);
}

TEST(jwt, a_tampered_payload_is_refused) {
    std::string token = sign_hs256("alice", later, "s3cret");
    const std::string mallory = sign_hs256("mallory", later, "s3cret");
    // mallory's payload with alice's signature
    const auto p1 = token.find('.'), p2 = token.rfind('.');
    const auto m1 = mallory.find('.'), m2 = mallory.rfind('.');
    token = token.substr(0, p1 + 1) + mallory.substr(m1 + 1, m2 - m1 - 1) + token.substr(p2);
    EXPECT_EQ(refused(token), jwt_error::bad_signature);
}

TEST(jwt, alg_none_and_garbage_are_refused) {
    // {"alg":"none"} . {"sub":"alice","exp":1700003600} . (no signature)
    EXPECT_EQ(refused("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMzYwMH0."), jwt_error::wrong_alg);
    EXPECT_EQ(refused("not-a-token"), jwt_error::malformed);
    EXPECT_EQ(refused("a.b.c.d"), jwt_error::malformed);
    EXPECT_EQ(refused("***.***.***"), jwt_error::malformed);
}

TEST(jwt, a_subject_that_is_not_a_valid_name_is_refused) {
    EXPECT_EQ(refused(sign_hs256("", later, "s3cret")), jwt_error::no_subject);
    EXPECT_EQ(refused(sign_hs256(std::string(40, 'a'), later, "s3cret")), jwt_error::no_subject);
}

TEST(jwt, a_fractional_exp_is_honoured_to_the_fraction) {
    const std::string token = sign_hs256_payload(R"({"sub":"alice","exp":1700000000.5})", "s3cret");
    auto r = verify_hs256(token, "s3cret", now + 200ms);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r.value().expires, now + 500ms);
    // Past the half second it has expired, though the whole second has not.
    EXPECT_EQ(verify_hs256(token, "s3cret", now + 700ms).error(), jwt_error::expired);
}

TEST(jwt, a_fractional_nbf_is_honoured) {
    const std::string token = sign_hs256_payload(R"({"sub":"alice","exp":1700003600,"nbf":1700000000.5})", "s3cret");
    EXPECT_EQ(verify_hs256(token, "s3cret", now + 200ms).error(), jwt_error::not_yet_valid);
    EXPECT_TRUE(verify_hs256(token, "s3cret", now + 500ms).has_value());
    // Far in the future with a fraction: still in the future.
    EXPECT_EQ(refused(sign_hs256_payload(R"({"sub":"alice","exp":1700003600,"nbf":1800000000.25})", "s3cret")),
              jwt_error::not_yet_valid);
}

TEST(jwt, dates_past_the_year_2262_are_the_furthest_date_there_is) {
    // exp: never comes; nbf: never passes. Neither overflows.
    for (const char* far : {"1e300", "99999999999", "18446744073709551615"}) {
        auto r = verify_hs256(sign_hs256_payload(std::string(R"({"sub":"alice","exp":)") + far + "}", "s3cret"),
                              "s3cret", now);
        ASSERT_TRUE(r.has_value()) << far;
        EXPECT_EQ(r.value().expires, std::chrono::system_clock::time_point::max()) << far;
        EXPECT_EQ(refused(sign_hs256_payload(std::string(R"({"sub":"alice","exp":1700003600,"nbf":)") + far + "}",
                                             "s3cret")),
                  jwt_error::not_yet_valid)
            << far;
    }
    EXPECT_EQ(refused(sign_hs256_payload(R"({"sub":"alice","exp":-1e300})", "s3cret")), jwt_error::expired);
}

TEST(jwt, dates_that_are_not_numbers_are_refused) {
    EXPECT_EQ(refused(sign_hs256_payload(R"({"sub":"alice","exp":"1700003600"})", "s3cret")), jwt_error::no_expiry);
    EXPECT_EQ(refused(sign_hs256_payload(R"({"sub":"alice","exp":null})", "s3cret")), jwt_error::no_expiry);
    EXPECT_EQ(refused(sign_hs256_payload(R"({"sub":"alice","exp":1700003600,"nbf":"soon"})", "s3cret")),
              jwt_error::not_yet_valid);
}

// ---- rooms: what a token grants ------------------------------------------------

using chatd::auth::granted;
using chatd::auth::max_granted_rooms;
using chatd::auth::room_grant;
using chatd::protocol::member_role;

jwt_claims claims_of(const std::string& rooms_json) {
    auto r = verify_hs256(sign_hs256_payload(R"({"sub":"alice","exp":1700003600,"rooms":)" + rooms_json + "}", "s3cret"),
                          "s3cret", now);
    EXPECT_TRUE(r.has_value()) << rooms_json;
    return r.has_value() ? r.value() : jwt_claims{};
}

jwt_error rooms_refused(const std::string& rooms_json) {
    return refused(sign_hs256_payload(R"({"sub":"alice","exp":1700003600,"rooms":)" + rooms_json + "}", "s3cret"));
}

TEST(jwt, rooms_as_an_object_grant_each_room_its_role) {
    const auto c = claims_of(R"({"!k3xq7adm2fzp4wrb5nce":"owner","general":"admin","ops":"member"})");
    EXPECT_EQ(c.rooms, (std::vector<room_grant>{{"!k3xq7adm2fzp4wrb5nce", member_role::owner},
                                                {"general", member_role::admin},
                                                {"ops", member_role::member}}));
    ASSERT_NE(granted(c.rooms, "general"), nullptr);
    EXPECT_EQ(granted(c.rooms, "general")->role, member_role::admin);
    EXPECT_EQ(granted(c.rooms, "random"), nullptr);
    EXPECT_EQ(granted(c.rooms, "General"), nullptr) << "room names are case-sensitive";
}

TEST(jwt, rooms_as_an_array_grant_each_room_as_a_member) {
    const auto c = claims_of(R"(["general","!abc"])");
    EXPECT_EQ(c.rooms, (std::vector<room_grant>{{"general", member_role::member}, {"!abc", member_role::member}}));
    EXPECT_TRUE(claims_of("{}").rooms.empty());
}

TEST(jwt, rooms_with_an_unknown_role_a_bad_name_or_a_name_twice_are_refused) {
    EXPECT_EQ(rooms_refused(R"({"general":"guest"})"), jwt_error::bad_rooms);
    EXPECT_EQ(rooms_refused(R"({"general":"Owner"})"), jwt_error::bad_rooms);
    EXPECT_EQ(rooms_refused(R"({"general":1})"), jwt_error::bad_rooms);
    EXPECT_EQ(rooms_refused(R"({"!UPPER":"member"})"), jwt_error::bad_rooms);
    EXPECT_EQ(rooms_refused(R"({"general":"member","general":"owner"})"), jwt_error::bad_rooms);
    EXPECT_EQ(rooms_refused(R"(["general","general"])"), jwt_error::bad_rooms);
    EXPECT_EQ(rooms_refused(R"("general")"), jwt_error::bad_rooms);
}

TEST(jwt, a_token_grants_at_most_max_granted_rooms) {
    std::string rooms = "{";
    for (std::size_t i = 0; i <= max_granted_rooms; ++i)
        rooms += (i == 0 ? "" : ",") + ("\"r" + std::to_string(i) + "\":\"member\"");
    const std::string too_many = rooms + "}";
    EXPECT_EQ(rooms_refused(too_many), jwt_error::bad_rooms);
    const std::string just_enough = rooms.substr(0, rooms.rfind(',')) + "}";
    EXPECT_EQ(claims_of(just_enough).rooms.size(), max_granted_rooms);
}

}  // namespace
