// The rules for room names, client ids, tokens and user names.

#include "protocol/validate.hpp"

#include <gtest/gtest.h>

#include <string>

namespace p = chatd::protocol;
using p::name_check;

TEST(validate, room_names_are_1_to_64_bytes_of_a_small_alphabet) {
    EXPECT_TRUE(p::is_valid_room_name("general"));
    EXPECT_TRUE(p::is_valid_room_name("Team-1_dev.ops"));
    EXPECT_TRUE(p::is_valid_room_name("a"));
    EXPECT_TRUE(p::is_valid_room_name(std::string(64, 'r')));
    EXPECT_FALSE(p::is_valid_room_name(""));
    EXPECT_FALSE(p::is_valid_room_name(std::string(65, 'r')));
    EXPECT_FALSE(p::is_valid_room_name("with space"));
    EXPECT_FALSE(p::is_valid_room_name("slash/room"));
    EXPECT_FALSE(p::is_valid_room_name("colon:room"));
    EXPECT_FALSE(p::is_valid_room_name("caf\xC3\xA9"));
}

TEST(validate, room_names_may_not_start_with_a_dot) {
    EXPECT_FALSE(p::is_valid_room_name("."));
    EXPECT_FALSE(p::is_valid_room_name(".."));
    EXPECT_FALSE(p::is_valid_room_name(".hidden"));
    EXPECT_TRUE(p::is_valid_room_name("not.hidden."));
}

TEST(validate, client_ids_also_allow_colons) {
    EXPECT_TRUE(p::is_valid_client_id("c-123"));
    EXPECT_TRUE(p::is_valid_client_id("tab:1.msg_7"));
    EXPECT_TRUE(p::is_valid_client_id(std::string(64, 'x')));
    EXPECT_FALSE(p::is_valid_client_id(""));
    EXPECT_FALSE(p::is_valid_client_id(std::string(65, 'x')));
    EXPECT_FALSE(p::is_valid_client_id("c 1"));
    EXPECT_FALSE(p::is_valid_client_id("c/1"));
}

TEST(validate, tokens_are_printable_ascii_without_spaces) {
    EXPECT_TRUE(p::is_valid_token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"));
    EXPECT_FALSE(p::is_valid_token(""));
    EXPECT_FALSE(p::is_valid_token("a b"));
    EXPECT_FALSE(p::is_valid_token("line\nbreak"));
    EXPECT_FALSE(p::is_valid_token(std::string(8193, 'a')));
    EXPECT_TRUE(p::is_valid_token(std::string(8192, 'a')));
}

TEST(validate, trim_removes_only_outer_spaces) {
    EXPECT_EQ(p::trim_spaces("  alice  "), "alice");
    EXPECT_EQ(p::trim_spaces("alice smith"), "alice smith");
    EXPECT_EQ(p::trim_spaces("   "), "");
    EXPECT_EQ(p::trim_spaces("\talice"), "\talice");
}

TEST(validate, user_names_are_1_to_32_bytes) {
    EXPECT_EQ(p::check_user_name("alice"), name_check::ok);
    EXPECT_EQ(p::check_user_name(std::string(32, 'a')), name_check::ok);
    EXPECT_EQ(p::check_user_name(std::string(33, 'a')), name_check::too_long);
    EXPECT_EQ(p::check_user_name(""), name_check::empty);
    // Bytes, not characters: eleven 3-byte characters are 33 bytes.
    std::string cjk;
    for (int i = 0; i < 11; ++i) cjk += "\xE6\x97\xA5";
    EXPECT_EQ(p::check_user_name(cjk), name_check::too_long);
}

TEST(validate, user_names_may_be_any_printable_unicode) {
    EXPECT_EQ(p::check_user_name("Ren\xC3\xA9" "e"), name_check::ok);
    EXPECT_EQ(p::check_user_name("\xF0\x9F\xA6\x8A fox"), name_check::ok);
    EXPECT_EQ(p::check_user_name("<b>bold</b>"), name_check::ok);  // harmless as text
}

TEST(validate, user_names_refuse_controls_and_invisible_characters) {
    EXPECT_EQ(p::check_user_name("a\tb"), name_check::not_printable);
    EXPECT_EQ(p::check_user_name("a\nb"), name_check::not_printable);
    EXPECT_EQ(p::check_user_name(std::string("a\0b", 3)), name_check::not_printable);
    EXPECT_EQ(p::check_user_name("a\x7F"), name_check::not_printable);
    EXPECT_EQ(p::check_user_name("a\xC2\x85"), name_check::not_printable);        // NEL (C1)
    EXPECT_EQ(p::check_user_name("ad\xE2\x80\x8Bmin"), name_check::not_printable);  // zero-width space
    EXPECT_EQ(p::check_user_name("\xE2\x80\xAE" "nimda"), name_check::not_printable);  // right-to-left override
    EXPECT_EQ(p::check_user_name("a\xE2\x80\xA8"), name_check::not_printable);     // line separator
    EXPECT_EQ(p::check_user_name("\xEF\xBB\xBF" "bob"), name_check::not_printable);  // BOM
}

TEST(validate, user_names_must_be_valid_utf8) {
    EXPECT_EQ(p::check_user_name("bad\xC3"), name_check::invalid_utf8);
    EXPECT_EQ(p::check_user_name("\xED\xA0\x80"), name_check::invalid_utf8);
}
