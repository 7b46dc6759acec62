// The HTTP API's key file: what it accepts, what stops the start, and
// which presented keys match.

#include "app/api_keys.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using chatd::app::api_keys;

const std::string a(32, 'a');
const std::string b = "B-0123456789abcdefghijklmnopqrstuvwxyz";

TEST(api_keys, one_key_a_line_with_comments_blank_lines_and_spaces_ignored) {
    std::string why;
    const auto keys = api_keys::parse("# first the old key\n\n  " + a + "  \r\n# then the new\n" + b, why);
    ASSERT_TRUE(keys) << why;
    EXPECT_EQ(keys->size(), 2u);
    EXPECT_EQ(keys->match(a), 0u);
    EXPECT_EQ(keys->match(b), 1u);
}

TEST(api_keys, only_a_whole_key_matches) {
    std::string why;
    const auto keys = api_keys::parse(a + "\n", why);
    ASSERT_TRUE(keys) << why;
    for (const std::string& wrong : {std::string(), a.substr(0, 31), a + "a", std::string(32, 'b'), " " + a})
        EXPECT_FALSE(keys->match(wrong)) << "'" << wrong << "'";
}

TEST(api_keys, a_bad_line_or_no_key_is_refused_with_its_line) {
    std::string why;
    EXPECT_FALSE(api_keys::parse("# nothing yet\n\n", why));
    EXPECT_NE(why.find("no key"), std::string::npos) << why;
    EXPECT_FALSE(api_keys::parse("", why));
    EXPECT_FALSE(api_keys::parse(a + "\n" + std::string(31, 'c'), why));
    EXPECT_NE(why.find("line 2: a key must be at least 32 bytes, this one is 31"), std::string::npos) << why;
    EXPECT_FALSE(api_keys::parse(a + " " + a, why));
    EXPECT_NE(why.find("line 1: a key must be printable ASCII"), std::string::npos) << why;
    EXPECT_FALSE(api_keys::parse(a + "\t", why));
}

TEST(api_keys, load_names_the_file) {
    try {
        (void)api_keys::load("/nonexistent/keys");
        FAIL() << "loaded a missing file";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "--api-key-file /nonexistent/keys: cannot be opened");
    }
}

}  // namespace
