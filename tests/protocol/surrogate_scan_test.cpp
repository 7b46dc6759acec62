// Neutralising escaped lone surrogates before simdjson sees them.

#include "protocol/surrogate_scan.hpp"

#include <gtest/gtest.h>

#include <string>

using chatd::protocol::neutralize_lone_surrogates;

namespace {

// The input after the scan, and how many escapes it rewrote.
std::pair<std::string, std::size_t> scan(std::string s) {
    const std::size_t n = neutralize_lone_surrogates(s);
    return {s, n};
}

}  // namespace

TEST(surrogate_scan, leaves_text_without_surrogates_alone) {
    EXPECT_EQ(scan(R"({"text":"plain \u00e9 \n \" \\"})"), std::make_pair(std::string(R"({"text":"plain \u00e9 \n \" \\"})"), std::size_t{0}));
    EXPECT_EQ(scan("").second, 0U);
}

TEST(surrogate_scan, leaves_proper_pairs_alone_in_either_case) {
    EXPECT_EQ(scan(R"("\ud83d\ude00")").second, 0U);
    EXPECT_EQ(scan(R"("\uD83D\uDE00")").second, 0U);
    EXPECT_EQ(scan(R"("\uDBFF\uDFFF")").second, 0U);
}

TEST(surrogate_scan, rewrites_a_lone_high_surrogate) {
    EXPECT_EQ(scan(R"("\ud800")"), std::make_pair(std::string(R"("\uffff")"), std::size_t{1}));
    EXPECT_EQ(scan(R"("\ud800x")").first, R"("\uffffx")");
    EXPECT_EQ(scan(R"("\ud800\u0041")").first, R"("\uffff\u0041")");
    EXPECT_EQ(scan(R"("\ud800\ud800\udc00")").first, R"("\uffff\ud800\udc00")");  // the second high one has its pair
}

TEST(surrogate_scan, rewrites_a_lone_low_surrogate) {
    EXPECT_EQ(scan(R"("\udc00")").first, R"("\uffff")");
    EXPECT_EQ(scan(R"("\udfff\ud800")"), std::make_pair(std::string(R"("\uffff\uffff")"), std::size_t{2}));
}

TEST(surrogate_scan, an_escaped_backslash_does_not_start_an_escape) {
    // "\\ud800" is a backslash followed by the letters u, d, 8, 0, 0.
    EXPECT_EQ(scan(R"("\\ud800")").second, 0U);
    EXPECT_EQ(scan(R"("\\\ud800")").first, R"("\\\uffff")");
}

TEST(surrogate_scan, survives_escapes_cut_off_by_the_end) {
    EXPECT_EQ(scan(R"("\ud8)").second, 0U);
    EXPECT_EQ(scan(R"(\)").second, 0U);
    EXPECT_EQ(scan(R"("\ud800\u)").first, R"("\uffff\u)");
    EXPECT_EQ(scan(R"("\ud800\udc)").first, R"("\uffff\udc)");
}
