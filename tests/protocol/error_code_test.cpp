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
    EXPECT_EQ(p::to_string(error_code::not_found), "not_found");
    EXPECT_EQ(p::to_string(error_code::forbidden), "forbidden");
    EXPECT_EQ(p::to_string(error_code::banned), "banned");
    EXPECT_EQ(p::to_string(error_code::muted), "muted");
    EXPECT_EQ(p::to_string(error_code::room_exists), "room_exists");
    EXPECT_EQ(p::all_error_codes.size(), 23U);
}

TEST(error_code, new_codes_come_after_the_old_ones) {
    // Metrics and clients index codes by their place in the list: the codes of
    // version 1 keep theirs.
    EXPECT_EQ(static_cast<int>(error_code::internal), 17);
    EXPECT_EQ(p::all_error_codes[17], error_code::internal);
    EXPECT_EQ(p::all_error_codes[18], error_code::not_found);
    EXPECT_EQ(p::all_error_codes[22], error_code::room_exists);
    for (std::size_t i = 0; i < p::all_error_codes.size(); ++i)
        EXPECT_EQ(static_cast<std::size_t>(p::all_error_codes[i]), i);
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
