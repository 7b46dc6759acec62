// The escaping writer: whatever the strings hold, the output is valid UTF-8
// JSON that parses back to the same strings.

#include "protocol/json_writer.hpp"
#include "protocol/utf8.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using chatd::protocol::append_json_string;
using chatd::protocol::json_writer;
using chatd::protocol::test::parsed;

namespace {

std::string escaped(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

// Writes {"s": s} and reads "s" back with simdjson.
std::string round_trip(std::string_view s) {
    json_writer w;
    w.begin_object();
    w.string_field("s", s);
    w.end_object();
    const std::string json = std::move(w).take();
    EXPECT_TRUE(chatd::protocol::is_valid_utf8(json)) << json;
    const parsed p(json);
    EXPECT_TRUE(p.ok()) << json;
    return p.ok() ? p.string("s") : std::string();
}

}  // namespace

TEST(json_writer, escapes_quotes_and_backslashes) {
    EXPECT_EQ(escaped(R"(say "hi")"), R"("say \"hi\"")");
    EXPECT_EQ(escaped(R"(C:\path\)"), R"("C:\\path\\")");
    EXPECT_EQ(round_trip(R"(a"b\c\"d)"), R"(a"b\c\"d)");
}

TEST(json_writer, escapes_control_characters) {
    EXPECT_EQ(escaped("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
    EXPECT_EQ(escaped(std::string("\0", 1)), R"("\u0000")");
    EXPECT_EQ(escaped("\x01\x1F\x7F"), R"("\u0001\u001f\u007f")");
    std::string all;
    for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
    all.push_back('\x7F');
    const std::string json = escaped(all);
    for (const char c : json) EXPECT_GE(static_cast<unsigned char>(c), 0x20U) << json;
    EXPECT_EQ(round_trip(all), all);
}

TEST(json_writer, escapes_the_javascript_line_terminators) {
    EXPECT_EQ(escaped("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"), R"("a\u2028b\u2029c")");
    EXPECT_EQ(round_trip("a\xE2\x80\xA8" "b"), "a\xE2\x80\xA8" "b");
}

TEST(json_writer, copies_non_ascii_text_as_utf8) {
    EXPECT_EQ(escaped("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
    EXPECT_EQ(escaped("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");
    EXPECT_EQ(round_trip("\xC3\xA9t\xC3\xA9 \xF0\x9F\x8E\x89 \xE4\xB8\xAD\xE6\x96\x87"),
              "\xC3\xA9t\xC3\xA9 \xF0\x9F\x8E\x89 \xE4\xB8\xAD\xE6\x96\x87");
}

TEST(json_writer, html_stays_a_plain_string) {
    const std::string html = "<img src=x onerror=alert(1)>";
    EXPECT_EQ(escaped(html), "\"" + html + "\"");
    EXPECT_EQ(round_trip(html), html);
    EXPECT_EQ(round_trip("</script><script>alert('x')</script>&amp;"), "</script><script>alert('x')</script>&amp;");
}

TEST(json_writer, replaces_invalid_utf8_with_the_replacement_character) {
    EXPECT_EQ(escaped("a\xFFz"), "\"a\xEF\xBF\xBDz\"");
    EXPECT_EQ(escaped("\xC3"), "\"\xEF\xBF\xBD\"");                 // truncated at the end
    EXPECT_EQ(escaped("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // an encoded surrogate
    EXPECT_EQ(escaped("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong '/'
    EXPECT_EQ(round_trip("ok\x80\"\\"), "ok\xEF\xBF\xBD\"\\");
}

TEST(json_writer, places_commas_between_members_and_elements) {
    json_writer w;
    w.begin_object();
    w.string_field("a", "x");
    w.key("list");
    w.begin_array();
    w.unsigned_integer(1);
    w.signed_integer(-2);
    w.begin_object();
    w.bool_field("t", true);
    w.end_object();
    w.begin_array();
    w.end_array();
    w.string("s");
    w.end_array();
    w.bool_field("f", false);
    w.begin_object();  // never written by encoders, but commas still apply
    w.end_object();
    w.end_object();
    EXPECT_EQ(w.view(), R"({"a":"x","list":[1,-2,{"t":true},[],"s"],"f":false,{}})");
}

TEST(json_writer, writes_integer_extremes_exactly) {
    json_writer w;
    w.begin_array();
    w.unsigned_integer(0);
    w.unsigned_integer(18446744073709551615ULL);
    w.signed_integer(-9223372036854775807LL - 1);
    w.end_array();
    EXPECT_EQ(w.view(), "[0,18446744073709551615,-9223372036854775808]");
}
