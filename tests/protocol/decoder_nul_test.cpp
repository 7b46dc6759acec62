// U+0000 ("\u0000") in any field a store keeps: refused by the decoder with
// invalid_field and the request's id, whatever the store, since
// PostgreSQL's text cannot hold it. Everywhere else a NUL is plain data.

#include "protocol/decoder.hpp"
#include "protocol/validate.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::error_code;
using p::request_id;
using p::test::decode_product;

namespace {

const request_id id5{std::uint64_t{5}};

struct stored_field {
    std::string_view what;
    std::string frame;
};

// One frame per stored field, each with a NUL in that field alone.
const std::vector<stored_field>& frames_with_a_nul() {
    static const std::vector<stored_field> frames{
        {"send text", R"({"type":"send","id":5,"room":"r","text":"a\u0000b","client_id":"c"})"},
        {"send text, NUL alone", R"({"type":"send","id":5,"room":"r","text":"\u0000","client_id":"c"})"},
        {"edit text", R"({"type":"edit","id":5,"room":"r","seq":1,"text":"fixed\u0000","client_id":"c"})"},
        {"set_topic topic", R"({"type":"set_topic","id":5,"room":"r","topic":"a\u0000b","client_id":"c"})"},
        {"create_room topic", R"({"type":"create_room","id":5,"kind":"private","topic":"\u0000"})"},
        {"create_room room", R"({"type":"create_room","id":5,"kind":"public","room":"a\u0000b"})"},
        {"react emoji", R"({"type":"react","id":5,"room":"r","seq":1,"emoji":"+\u00001","client_id":"c"})"},
        {"unreact emoji", R"({"type":"unreact","id":5,"room":"r","seq":1,"emoji":"\u0000","client_id":"c"})"},
        {"join room", R"({"type":"join","id":5,"room":"gen\u0000eral"})"},
        {"send room", R"({"type":"send","id":5,"room":"r\u0000","text":"hi","client_id":"c"})"},
        {"send client_id", R"({"type":"send","id":5,"room":"r","text":"hi","client_id":"c\u0000"})"},
        {"identify name", R"({"type":"identify","id":5,"name":"al\u0000ice"})"},
        {"invite user", R"({"type":"invite","id":5,"room":"r","user":"bob\u0000","client_id":"c"})"},
        {"ban user", R"({"type":"ban","id":5,"room":"r","user":"guest:\u0000bob","client_id":"c"})"},
        {"open_direct users", R"({"type":"open_direct","id":5,"users":["bob","\u0000"]})"},
        {"read room", R"({"type":"read","id":5,"room":"r\u0000","seq":1})"},
    };
    return frames;
}

}  // namespace

TEST(decoder_nul, every_stored_field_with_a_nul_is_invalid_field_with_the_id) {
    for (const auto& [what, frame] : frames_with_a_nul()) {
        const auto r = decode_product(frame);
        ASSERT_FALSE(r.has_value()) << what << " was accepted";
        EXPECT_EQ(r.error().code, error_code::invalid_field) << what << ": " << p::to_string(r.error().code);
        EXPECT_EQ(r.error().id, id5) << what;
    }
}

TEST(decoder_nul, the_text_error_says_why) {
    const auto r = decode_product(R"({"type":"send","id":5,"room":"r","text":"a\u0000b","client_id":"c"})");
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("U+0000"), std::string::npos) << r.error().message;
}

TEST(decoder_nul, a_nul_where_nothing_is_stored_is_data) {
    // A string id is echoed, never stored; an unknown key is ignored.
    const auto ping = decode_product(R"({"type":"ping","id":"a\u0000b","x":"\u0000"})");
    ASSERT_TRUE(ping.has_value());
    EXPECT_EQ(ping->id, request_id{std::string("a\0b", 3)});
    // Other control characters stay text: a line may hold tabs and newlines.
    EXPECT_TRUE(decode_product(R"({"type":"send","room":"r","text":"a\tb\nc\u0001","client_id":"c"})").has_value());
}

TEST(validate, is_storable_refuses_only_nul) {
    EXPECT_TRUE(p::is_storable(""));
    EXPECT_TRUE(p::is_storable("hi\t\n\x01\x7F"));
    EXPECT_FALSE(p::is_storable(std::string_view("\0", 1)));
    EXPECT_FALSE(p::is_storable(std::string_view("hi\0", 3)));
}
