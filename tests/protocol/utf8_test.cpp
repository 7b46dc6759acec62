// UTF-8 decoding: what the decoder and the JSON writer accept as text.

#include "protocol/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using chatd::protocol::decode_utf8;
using chatd::protocol::is_valid_utf8;

namespace {

char32_t decode_whole(std::string_view s, std::size_t expected_len) {
    char32_t cp = 0;
    EXPECT_EQ(decode_utf8(s, 0, cp), expected_len) << s;
    return cp;
}

}  // namespace

TEST(utf8, decodes_one_to_four_byte_sequences) {
    EXPECT_EQ(decode_whole("A", 1), U'A');
    EXPECT_EQ(decode_whole("\xC3\xA9", 2), U'\u00E9');          // é
    EXPECT_EQ(decode_whole("\xE2\x82\xAC", 3), U'\u20AC');      // €
    EXPECT_EQ(decode_whole("\xF0\x9F\x98\x80", 4), U'\U0001F600');  // 😀
    EXPECT_EQ(decode_whole("\xF4\x8F\xBF\xBF", 4), U'\U0010FFFF');
}

TEST(utf8, accepts_mixed_text) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC"));
    EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
}

TEST(utf8, rejects_overlong_encodings) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));              // '/' in two bytes
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));          // '/' in three bytes
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));      // '/' in four bytes
}

TEST(utf8, rejects_encoded_surrogates_and_values_past_the_last_code_point) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));          // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));          // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));      // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // five-byte form
    EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(utf8, rejects_truncated_sequences_and_stray_continuation_bytes) {
    EXPECT_FALSE(is_valid_utf8("\xC3"));
    EXPECT_FALSE(is_valid_utf8("ok\xE2\x82"));
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("a\xA9z"));
    EXPECT_FALSE(is_valid_utf8("\xC3\x28"));              // lead byte, then not a continuation
}

TEST(utf8, decode_stops_at_the_end_of_the_view) {
    const std::string_view s("\xE2\x82\xAC", 2);  // the view cuts the sequence short
    char32_t cp = 0;
    EXPECT_EQ(decode_utf8(s, 0, cp), 0U);
}
