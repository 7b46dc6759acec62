// Every decode error code, each from a concrete bad frame, and when the
// error carries the frame's id.

#include "protocol/decoder.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::error_code;
using p::request_id;
using p::test::decode_exact;
using p::test::decode_once;

namespace {

// Decodes `frame` and expects an error with `code` and `id`.
void expect_error(std::string_view frame, error_code code, const request_id& id = {}) {
    p::test::expect_decode_error(decode_once(frame), frame, code, id);
}

const request_id id5{std::uint64_t{5}};
const request_id id_abc{std::string("abc")};

std::string send_with_text(std::string_view text_json) {
    return R"({"type":"send","id":5,"room":"general","client_id":"c-1","text":)" + std::string(text_json) + "}";
}

// A JSON string of n copies of c.
std::string json_run(std::size_t n, char c) {
    std::string s(n + 2, c);
    s.front() = '"';
    s.back() = '"';
    return s;
}

}  // namespace

TEST(decoder_errors, frame_too_large_is_refused_before_parsing) {
    p::decoder d(p::limits{.max_frame_bytes = 64});
    std::string frame = R"({"type":"ping","id":5,"pad":")";
    frame.append(64 - frame.size() - 2, 'x');
    frame += "\"}";
    ASSERT_EQ(frame.size(), 64U);
    EXPECT_TRUE(decode_exact(d, frame).has_value());
    frame.insert(frame.end() - 2, 'x');
    const auto r = decode_exact(d, frame);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::frame_too_large);
    EXPECT_FALSE(p::has_id(r.error().id));  // not parsed, so not known
    // Anything over the limit, JSON or not.
    EXPECT_EQ(p::test::error_of(decode_exact(d, std::string(100, '{'))), error_code::frame_too_large);
}

TEST(decoder_errors, bad_json_when_not_json) {
    expect_error("", error_code::bad_json);
    expect_error("   \n", error_code::bad_json);
    expect_error("not json", error_code::bad_json);
    expect_error("{", error_code::bad_json);
    expect_error(R"({"type":"ping")", error_code::bad_json);
    expect_error(R"({"type":"ping",})", error_code::bad_json);
    expect_error(R"({'type':'ping'})", error_code::bad_json);
    expect_error(R"({"type":"ping"} {"type":"ping"})", error_code::bad_json);
    expect_error(R"({"type":"ping"} x)", error_code::bad_json);
    expect_error(R"({"type":"ping","id":5,"x":tru})", error_code::bad_json);
    expect_error(R"({"type":"ping","x":"\q"})", error_code::bad_json);
    expect_error(R"({"type":"ping","x":"\u12"})", error_code::bad_json);
    expect_error("{\"type\":\"ping\",\"x\":\"raw\ttab\"}", error_code::bad_json);  // unescaped control character
    expect_error(R"({"type":"ping","x":01})", error_code::bad_json);
    expect_error(R"({"type":"ping","x":1e999999})", error_code::bad_json);
    expect_error(std::string("{\"type\":\"ping\"}\0", 16), error_code::bad_json);
}

TEST(decoder_errors, bad_json_when_not_an_object) {
    expect_error("[]", error_code::bad_json);
    expect_error(R"([{"type":"ping"}])", error_code::bad_json);
    expect_error(R"("ping")", error_code::bad_json);
    expect_error("42", error_code::bad_json);
    expect_error("null", error_code::bad_json);
    expect_error("true", error_code::bad_json);
}

TEST(decoder_errors, bad_json_when_nested_too_deeply) {
    std::string deep = R"({"type":"ping","x":)";
    for (std::size_t i = 0; i < p::max_nesting_depth + 1; ++i) deep += "[";
    for (std::size_t i = 0; i < p::max_nesting_depth + 1; ++i) deep += "]";
    deep += "}";
    expect_error(deep, error_code::bad_json);
    // A little nesting in an ignored field is fine.
    EXPECT_TRUE(decode_once(R"({"type":"ping","x":[[[[{"y":[1]}]]]]})").has_value());
}

TEST(decoder_errors, bad_json_when_a_protocol_key_repeats) {
    // Parsers disagree on which of two keys counts; we accept neither.
    expect_error(R"({"type":"join","room":"a","room":"b"})", error_code::bad_json);
    expect_error(R"({"type":"join","id":5,"room":"a","room":"a"})", error_code::bad_json, id5);
    expect_error(R"({"type":"ping","type":"ping"})", error_code::bad_json);
    expect_error(R"({"type":"ping","ty\u0070e":"ping"})", error_code::bad_json);  // the same key, escaped
    expect_error(R"({"type":"join","room":"a","room":null})", error_code::bad_json);
    // A repeated id is no id at all.
    expect_error(R"({"type":"ping","id":5,"id":6})", error_code::bad_json);
}

TEST(decoder_errors, unknown_type) {
    expect_error(R"({"type":"shout","id":5})", error_code::unknown_type, id5);
    expect_error(R"({"type":"PING"})", error_code::unknown_type);
    expect_error(R"({"type":""})", error_code::unknown_type);
    expect_error(R"({"type":"ping "})", error_code::unknown_type);
    expect_error(R"({"type":"identified"})", error_code::unknown_type);  // a server event is not a request
}

TEST(decoder_errors, missing_field) {
    expect_error(R"({})", error_code::missing_field);
    expect_error(R"({"id":"abc"})", error_code::missing_field, id_abc);
    expect_error(R"({"type":null,"id":5})", error_code::missing_field, id5);
    expect_error(R"({"type":"join","id":5})", error_code::missing_field, id5);
    expect_error(R"({"type":"join","room":null})", error_code::missing_field);
    expect_error(R"({"type":"leave","id":"abc"})", error_code::missing_field, id_abc);
    expect_error(R"({"type":"send","id":5,"text":"hi","client_id":"c"})", error_code::missing_field, id5);
    expect_error(R"({"type":"send","id":5,"room":"r","client_id":"c"})", error_code::missing_field, id5);
    expect_error(R"({"type":"send","id":5,"room":"r","text":"hi"})", error_code::missing_field, id5);
    expect_error(R"({"type":"history","id":5})", error_code::missing_field, id5);
    expect_error(R"({"type":"typing"})", error_code::missing_field);
    expect_error(R"({"type":"identify","id":5})", error_code::missing_field, id5);
    expect_error(R"({"type":"identify","name":null,"token":null})", error_code::missing_field);
}

TEST(decoder_errors, wrong_type) {
    expect_error(R"({"type":"join","id":5,"room":42})", error_code::wrong_type, id5);
    expect_error(R"({"type":"join","id":5,"room":["general"]})", error_code::wrong_type, id5);
    expect_error(R"({"type":42})", error_code::wrong_type);
    expect_error(R"({"type":["ping"],"id":5})", error_code::wrong_type, id5);
    expect_error(send_with_text("123"), error_code::wrong_type, id5);
    expect_error(send_with_text(R"({"t":"hi"})"), error_code::wrong_type, id5);
    expect_error(R"({"type":"send","room":"r","text":"hi","client_id":7})", error_code::wrong_type);
    expect_error(R"({"type":"join","id":5,"room":"r","since":"41"})", error_code::wrong_type, id5);
    expect_error(R"({"type":"join","room":"r","since":41.0})", error_code::wrong_type);
    expect_error(R"({"type":"join","room":"r","since":4e1})", error_code::wrong_type);
    expect_error(R"({"type":"history","room":"r","limit":2.5})", error_code::wrong_type);
    expect_error(R"({"type":"history","room":"r","before":true})", error_code::wrong_type);
    expect_error(R"({"type":"identify","name":7})", error_code::wrong_type);
    expect_error(R"({"type":"identify","token":{}})", error_code::wrong_type);
}

TEST(decoder_errors, wrong_type_of_id_is_reported_without_an_id) {
    expect_error(R"({"type":"ping","id":true})", error_code::wrong_type);
    expect_error(R"({"type":"ping","id":1.5})", error_code::wrong_type);
    expect_error(R"({"type":"ping","id":1.0})", error_code::wrong_type);
    expect_error(R"({"type":"ping","id":[1]})", error_code::wrong_type);
    expect_error(R"({"type":"ping","id":{"n":1}})", error_code::wrong_type);
}

TEST(decoder_errors, invalid_field_for_ids_out_of_range) {
    expect_error(R"({"type":"ping","id":-1})", error_code::invalid_field);
    expect_error(R"({"type":"ping","id":9007199254740992})", error_code::invalid_field);
    expect_error(R"({"type":"ping","id":18446744073709551615})", error_code::invalid_field);
    expect_error(R"({"type":"ping","id":")" + std::string(65, 'i') + R"("})", error_code::invalid_field);
}

TEST(decoder_errors, invalid_field_for_room_names) {
    expect_error(R"({"type":"join","id":5,"room":""})", error_code::invalid_field, id5);
    expect_error(R"({"type":"join","id":5,"room":".hidden"})", error_code::invalid_field, id5);
    expect_error(R"({"type":"join","room":"two words"})", error_code::invalid_field);
    expect_error(R"({"type":"join","room":"../etc"})", error_code::invalid_field);
    expect_error(R"({"type":"leave","room":"a/b"})", error_code::invalid_field);
    expect_error(R"({"type":"typing","room":"caf\u00e9"})", error_code::invalid_field);
    expect_error(R"({"type":"history","room":")" + std::string(65, 'r') + R"("})", error_code::invalid_field);
    expect_error(R"({"type":"send","room":"a b","text":"hi","client_id":"c"})", error_code::invalid_field);
}

TEST(decoder_errors, invalid_field_for_numbers_out_of_range) {
    expect_error(R"({"type":"join","id":5,"room":"r","since":-1})", error_code::invalid_field, id5);
    expect_error(R"({"type":"join","room":"r","since":9007199254740992})", error_code::invalid_field);
    expect_error(R"({"type":"history","id":5,"room":"r","limit":0})", error_code::invalid_field, id5);
    expect_error(R"({"type":"history","room":"r","limit":101})", error_code::invalid_field);
    expect_error(R"({"type":"history","room":"r","limit":-5})", error_code::invalid_field);
    expect_error(R"({"type":"history","room":"r","before":-1})", error_code::invalid_field);
}

TEST(decoder_errors, numbers_out_of_range_in_any_form_are_invalid_field_with_the_id) {
    const std::string huge = "1" + std::string(400, '0');  // far past 64 bits
    const std::vector<std::string> numbers{"1e30", "18446744073709551616", "-1", "-9223372036854775809", "-1e30",
                                           "-0.5", huge, "-" + huge};
    for (const std::string& n : numbers) {
        expect_error(R"({"type":"join","id":5,"room":"r","since":)" + n + "}", error_code::invalid_field, id5);
        expect_error(R"({"type":"history","id":5,"room":"r","before":)" + n + "}", error_code::invalid_field, id5);
        expect_error(R"({"type":"history","id":5,"room":"r","limit":)" + n + "}", error_code::invalid_field, id5);
        expect_error(R"({"type":"history","id":"abc","room":"r","before":)" + n + "}", error_code::invalid_field,
                     id_abc);
        // The id itself out of range: invalid_field, and no id to echo.
        expect_error(R"({"type":"ping","id":)" + n + "}", error_code::invalid_field);
    }
    // The rewrite that makes a huge literal an out-of-range double touches
    // numbers only: a huge literal inside a string is text.
    const auto r = decode_once(R"({"type":"send","id":5,"room":"r","client_id":"c","text":"18446744073709551616"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(std::get<p::send_request>(r->body).text, "18446744073709551616");
    // In a key the protocol does not read, any number is ignored.
    EXPECT_TRUE(decode_once(R"({"type":"ping","x":18446744073709551616,"y":-)" + huge + "}").has_value());
    // Malformed numbers are still not JSON.
    expect_error(R"({"type":"ping","id":5,"x":0)" + huge + "}", error_code::bad_json);
}

TEST(decoder_errors, invalid_field_for_client_ids) {
    expect_error(R"({"type":"send","id":5,"room":"r","text":"hi","client_id":""})", error_code::invalid_field, id5);
    expect_error(R"({"type":"send","room":"r","text":"hi","client_id":"has space"})", error_code::invalid_field);
    expect_error(R"({"type":"send","room":"r","text":"hi","client_id":"a/b"})", error_code::invalid_field);
    expect_error(R"({"type":"send","room":"r","text":"hi","client_id":")" + std::string(65, 'c') + R"("})",
                 error_code::invalid_field);
}

TEST(decoder_errors, invalid_field_for_identify) {
    expect_error(R"({"type":"identify","id":5,"name":"alice","token":"t.t.t"})", error_code::invalid_field, id5);
    expect_error(R"({"type":"identify","name":""})", error_code::invalid_field);
    expect_error(R"({"type":"identify","name":"    "})", error_code::invalid_field);
    expect_error(R"({"type":"identify","name":")" + std::string(33, 'n') + R"("})", error_code::invalid_field);
    expect_error(R"({"type":"identify","name":"bell\u0007"})", error_code::invalid_field);
    expect_error(R"({"type":"identify","name":"new\nline"})", error_code::invalid_field);
    expect_error(R"({"type":"identify","name":"ad\u200bmin"})", error_code::invalid_field);
    expect_error(R"({"type":"identify","token":""})", error_code::invalid_field);
    expect_error(R"({"type":"identify","token":"has space"})", error_code::invalid_field);
}

TEST(decoder_errors, text_empty) {
    expect_error(send_with_text(R"("")"), error_code::text_empty, id5);
}

TEST(decoder_errors, text_too_long) {
    // Default limit: 4096 bytes.
    EXPECT_TRUE(decode_once(send_with_text(json_run(4096, 't'))).has_value());
    expect_error(send_with_text(json_run(4097, 't')), error_code::text_too_long, id5);
    // Counted in bytes after unescaping: 2049 "é" are 4098 bytes.
    std::string accents = "\"";
    for (int i = 0; i < 2049; ++i) accents += "\\u00e9";
    expect_error(send_with_text(accents + "\""), error_code::text_too_long, id5);
    // A configured limit.
    p::decoder d(p::limits{.max_frame_bytes = 65536, .max_text_bytes = 3});
    const auto r = decode_exact(d, send_with_text(R"("four")"));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::text_too_long);
}

TEST(decoder_errors, invalid_utf8_for_escaped_lone_surrogates) {
    expect_error(send_with_text(R"("\ud800")"), error_code::invalid_utf8, id5);
    expect_error(send_with_text(R"("\udc00")"), error_code::invalid_utf8, id5);
    expect_error(send_with_text(R"("ok \ud83d then \u0041")"), error_code::invalid_utf8, id5);
    expect_error(send_with_text(R"("\ude00\ud83d")"), error_code::invalid_utf8, id5);  // a pair in the wrong order
    expect_error(R"({"type":"identify","id":5,"name":"al\udfffice"})", error_code::invalid_utf8, id5);
    expect_error(R"({"type":"join","id":5,"room":"\ud800"})", error_code::invalid_utf8, id5);
    expect_error(R"({"type":"\ud800","id":5})", error_code::invalid_utf8, id5);
}

TEST(decoder_errors, invalid_utf8_in_the_id_is_reported_without_it) {
    expect_error(R"({"type":"ping","id":"x\ud800"})", error_code::invalid_utf8);
}

TEST(decoder_errors, invalid_utf8_in_raw_bytes) {
    // WebSocket refuses these frames itself (close 1007); the decoder does not rely on it.
    expect_error("{\"type\":\"send\",\"room\":\"r\",\"client_id\":\"c\",\"text\":\"bad \xC3\x28\"}", error_code::invalid_utf8);
    expect_error("{\"type\":\"ping\",\"x\":\"\xED\xA0\x80\"}", error_code::invalid_utf8);
    expect_error("{\"type\":\"ping\",\"x\":\"\xFF\"}", error_code::invalid_utf8);
}

TEST(decoder_errors, lone_surrogates_in_ignored_fields_are_ignored_with_them) {
    EXPECT_TRUE(decode_once(R"({"type":"ping","x":"\ud800","\udc00":1})").has_value());
    // U+FFFF itself is a valid character and passes through.
    const auto r = decode_once(send_with_text(R"("\uffff")"));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(std::get<p::send_request>(r->body).text, "\xEF\xBF\xBF");
}

TEST(decoder_errors, the_first_bad_field_in_wire_order_is_reported) {
    // Room before text before client_id, as in the documented example.
    expect_error(R"({"type":"send","room":".x","text":"","client_id":""})", error_code::invalid_field);
    expect_error(R"({"type":"send","room":"r","text":"","client_id":""})", error_code::text_empty);
    expect_error(R"({"type":"send","room":"r","text":"hi","client_id":""})", error_code::invalid_field);
}

TEST(decoder_errors, every_decode_code_is_reachable) {
    // One frame per code, so a code that stops being produced fails here.
    p::decoder d(p::limits{.max_frame_bytes = 200, .max_text_bytes = 4});
    const std::vector<std::pair<std::string, error_code>> cases{
        {"{", error_code::bad_json},
        {R"({"type":"nope"})", error_code::unknown_type},
        {R"({"type":"join"})", error_code::missing_field},
        {R"({"type":"join","room":1})", error_code::wrong_type},
        {R"({"type":"join","room":".a"})", error_code::invalid_field},
        {R"({"type":"send","room":"r","text":"12345","client_id":"c"})", error_code::text_too_long},
        {R"({"type":"send","room":"r","text":"","client_id":"c"})", error_code::text_empty},
        {R"({"type":"send","room":"r","text":"\ud800","client_id":"c"})", error_code::invalid_utf8},
        {std::string(201, ' '), error_code::frame_too_large},
    };
    for (const auto& [frame, code] : cases) EXPECT_EQ(p::test::error_of(decode_exact(d, frame)), code) << frame;
}
