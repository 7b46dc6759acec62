// The wire names of error codes: stable, distinct, snake_case.

#include "protocol/error_code.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace p = chatd::protocol;
using p::error_code;

TEST(error_code, names_are_the_documented_wire_strings) {
    EXPECT_EQ(p::to_string(error_code::bad_json), "bad_json");
    EXPECT_EQ(p::to_string(error_code::unknown_type), "unknown_type");
    EXPECT_EQ(p::to_string(error_code::missing_field), "missing_field");
    EXPECT_EQ(p::to_string(error_code::wrong_type), "wrong_type");
    EXPECT_EQ(p::to_string(error_code::invalid_field), "invalid_field");
    EXPECT_EQ(p::to_string(error_code::text_too_long), "text_too_long");
    EXPECT_EQ(p::to_string(error_code::text_empty), "text_empty");
    EXPECT_EQ(p::to_string(error_code::invalid_utf8), "invalid_utf8");
    EXPECT_EQ(p::to_string(error_code::frame_too_large), "frame_too_large");
    EXPECT_EQ(p::to_string(error_code::not_identified), "not_identified");
    EXPECT_EQ(p::to_string(error_code::already_identified), "already_identified");
    EXPECT_EQ(p::to_string(error_code::auth_failed), "auth_failed");
    EXPECT_EQ(p::to_string(error_code::guests_not_allowed), "guests_not_allowed");
    EXPECT_EQ(p::to_string(error_code::not_in_room), "not_in_room");
    EXPECT_EQ(p::to_string(error_code::too_many_rooms), "too_many_rooms");
    EXPECT_EQ(p::to_string(error_code::rate_limited), "rate_limited");
    EXPECT_EQ(p::to_string(error_code::unavailable), "unavailable");
    EXPECT_EQ(p::to_string(error_code::internal), "internal");
    EXPECT_EQ(p::all_error_codes.size(), 18U);
}

TEST(error_code, every_code_has_a_distinct_name_that_parses_back) {
    std::set<std::string> seen;
    for (const error_code c : p::all_error_codes) {
        const std::string name(p::to_string(c));
        EXPECT_TRUE(seen.insert(name).second) << name;
        for (const char ch : name) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_' || (ch >= '0' && ch <= '9')) << name;
        EXPECT_EQ(p::error_code_from_string(name), c);
    }
    EXPECT_EQ(p::error_code_from_string("no_such_code"), std::nullopt);
    EXPECT_EQ(p::error_code_from_string(""), std::nullopt);
}
