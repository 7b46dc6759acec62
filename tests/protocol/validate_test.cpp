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

TEST(validate, server_assigned_room_names_are_a_bang_and_lowercase_alphanumerics) {
    EXPECT_TRUE(p::is_valid_room_name("!abcdefghij234567klmn"));
    EXPECT_TRUE(p::is_valid_room_name("!a"));
    EXPECT_TRUE(p::is_valid_room_name("!0"));
    EXPECT_TRUE(p::is_valid_room_name("!" + std::string(64, 'z')));
    EXPECT_FALSE(p::is_valid_room_name("!"));
    EXPECT_FALSE(p::is_valid_room_name("!" + std::string(65, 'z')));
    EXPECT_FALSE(p::is_valid_room_name("!Abc"));
    EXPECT_FALSE(p::is_valid_room_name("!a-b"));
    EXPECT_FALSE(p::is_valid_room_name("!a.b"));
    EXPECT_FALSE(p::is_valid_room_name("!!ab"));
    EXPECT_FALSE(p::is_valid_room_name("a!b"));
    // A client may choose only public names; the server only '!' names.
    EXPECT_TRUE(p::is_server_room_name("!abc"));
    EXPECT_FALSE(p::is_public_room_name("!abc"));
    EXPECT_TRUE(p::is_public_room_name("general"));
    EXPECT_FALSE(p::is_server_room_name("general"));
}

TEST(validate, user_ids_are_names_as_identified_gives_them) {
    EXPECT_TRUE(p::is_valid_user_id("alice"));
    EXPECT_TRUE(p::is_valid_user_id("alice smith"));
    EXPECT_TRUE(p::is_valid_user_id("Ren\xC3\xA9" "e"));
    EXPECT_TRUE(p::is_valid_user_id(std::string(32, 'u')));
    EXPECT_TRUE(p::is_valid_user_id("guest:alice"));
    EXPECT_TRUE(p::is_valid_user_id("guest:" + std::string(32, 'u')));  // 38 bytes: a guest's id on a mixed server
    EXPECT_FALSE(p::is_valid_user_id(""));
    EXPECT_FALSE(p::is_valid_user_id("guest:"));
    EXPECT_FALSE(p::is_valid_user_id(std::string(33, 'u')));
    EXPECT_FALSE(p::is_valid_user_id(" alice"));  // ids are exact: never trimmed
    EXPECT_FALSE(p::is_valid_user_id("alice "));
    EXPECT_FALSE(p::is_valid_user_id("guest: alice"));
    EXPECT_FALSE(p::is_valid_user_id("ad\xE2\x80\x8Bmin"));  // U+200B
    EXPECT_FALSE(p::is_valid_user_id("new\nline"));
    EXPECT_FALSE(p::is_valid_user_id("bad \xC3\x28"));
}

TEST(validate, topics_are_one_line_of_up_to_256_bytes) {
    EXPECT_TRUE(p::is_valid_topic(""));
    EXPECT_TRUE(p::is_valid_topic("Release planning \xF0\x9F\x9A\x80 <b>"));
    EXPECT_TRUE(p::is_valid_topic(std::string(256, 't')));
    EXPECT_FALSE(p::is_valid_topic(std::string(257, 't')));
    EXPECT_FALSE(p::is_valid_topic("two\nlines"));
    EXPECT_FALSE(p::is_valid_topic("tab\there"));
    EXPECT_FALSE(p::is_valid_topic("sep\xE2\x80\xA8"));  // U+2028
    EXPECT_FALSE(p::is_valid_topic("c1\xC2\x85"));        // U+0085
    EXPECT_FALSE(p::is_valid_topic("bad \xC3\x28"));
}

TEST(validate, emoji_are_short_with_no_space_or_control) {
    EXPECT_TRUE(p::is_valid_emoji("\xF0\x9F\x91\x8D"));  // thumbs up
    EXPECT_TRUE(p::is_valid_emoji("+1"));
    EXPECT_TRUE(p::is_valid_emoji(":tada:"));
    // A family: four people joined by U+200D, with variation selectors.
    EXPECT_TRUE(p::is_valid_emoji("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"));
    EXPECT_TRUE(p::is_valid_emoji("\xE2\x9D\xA4\xEF\xB8\x8F"));  // red heart + U+FE0F
    EXPECT_TRUE(p::is_valid_emoji(std::string(32, 'e')));
    EXPECT_FALSE(p::is_valid_emoji(""));
    EXPECT_FALSE(p::is_valid_emoji(std::string(33, 'e')));
    EXPECT_FALSE(p::is_valid_emoji("a b"));
    EXPECT_FALSE(p::is_valid_emoji("\xC2\xA0"));      // no-break space
    EXPECT_FALSE(p::is_valid_emoji("\xE3\x80\x80"));  // ideographic space
    EXPECT_FALSE(p::is_valid_emoji("x\n"));
    EXPECT_FALSE(p::is_valid_emoji("\x7F"));
    EXPECT_FALSE(p::is_valid_emoji("\xE2\x80\xAEx"));  // right-to-left override
    EXPECT_FALSE(p::is_valid_emoji("\xF0\x9F"));        // truncated UTF-8
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
