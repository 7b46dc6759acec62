// Every request type decodes, with no id, an integer id and a string id.

#include "protocol/decoder.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::request_id;
using p::test::body_as;
using p::test::decode_exact;
using p::test::decode_once;

namespace {

// One frame of each type, written with an "id" placeholder `ID` to be
// replaced by nothing, an integer or a string.
struct sample {
    std::string_view type;
    std::string_view frame;
};

const std::vector<sample> samples{
    {"identify", R"({"type":"identify"ID,"name":"alice"})"},
    {"identify", R"({"type":"identify"ID,"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig"})"},
    {"join", R"({"type":"join"ID,"room":"general","since":41})"},
    {"join", R"({"type":"join"ID,"room":"general"})"},
    {"leave", R"({"type":"leave"ID,"room":"general"})"},
    {"send", R"({"type":"send"ID,"room":"general","text":"hi","client_id":"c-123"})"},
    {"history", R"({"type":"history"ID,"room":"general","before":58,"limit":50})"},
    {"history", R"({"type":"history"ID,"room":"general"})"},
    {"typing", R"({"type":"typing"ID,"room":"general"})"},
    {"ping", R"({"type":"ping"ID})"},
};

std::string with_id(std::string_view frame, std::string_view id) {
    std::string s(frame);
    s.replace(s.find("ID"), 2, id);
    return s;
}

}  // namespace

TEST(decoder_requests, every_type_decodes_without_an_id) {
    for (const auto& s : samples) {
        const auto r = decode_once(with_id(s.frame, ""));
        ASSERT_TRUE(r.has_value()) << s.frame << ": " << r.error().message;
        EXPECT_EQ(p::type_name(r->body), s.type);
        EXPECT_FALSE(p::has_id(r->id));
    }
}

TEST(decoder_requests, every_type_decodes_with_an_integer_id) {
    for (const auto& s : samples) {
        const auto r = decode_once(with_id(s.frame, R"(,"id":17)"));
        ASSERT_TRUE(r.has_value()) << s.frame << ": " << r.error().message;
        EXPECT_EQ(p::type_name(r->body), s.type);
        EXPECT_EQ(r->id, request_id{std::uint64_t{17}});
    }
}

TEST(decoder_requests, every_type_decodes_with_a_string_id) {
    for (const auto& s : samples) {
        const auto r = decode_once(with_id(s.frame, R"(,"id":"req-17")"));
        ASSERT_TRUE(r.has_value()) << s.frame << ": " << r.error().message;
        EXPECT_EQ(p::type_name(r->body), s.type);
        EXPECT_EQ(r->id, request_id{std::string("req-17")});
    }
}

TEST(decoder_requests, id_limits) {
    EXPECT_EQ(decode_once(R"({"type":"ping","id":0})")->id, request_id{std::uint64_t{0}});
    EXPECT_EQ(decode_once(R"({"type":"ping","id":9007199254740991})")->id, request_id{p::max_safe_integer});
    EXPECT_EQ(decode_once(R"({"type":"ping","id":""})")->id, request_id{std::string()});
    const std::string id64(64, 'i');
    EXPECT_EQ(decode_once(R"({"type":"ping","id":")" + id64 + R"("})")->id, request_id{id64});
    // Escapes are undone: the reply carries the same string, re-escaped.
    EXPECT_EQ(decode_once(R"({"type":"ping","id":"a\"b\u00e9"})")->id, request_id{std::string("a\"b\xC3\xA9")});
}

TEST(decoder_requests, identify_as_a_guest_trims_the_name) {
    const auto r = decode_once(R"({"type":"identify","id":1,"name":"  alice smith  "})");
    const auto req = body_as<p::identify_request>(r);
    EXPECT_EQ(req.name, "alice smith");
    EXPECT_TRUE(req.token.empty());
    EXPECT_TRUE(req.guest());
}

TEST(decoder_requests, identify_with_a_token_is_not_a_guest) {
    const auto req = body_as<p::identify_request>(decode_once(R"({"type":"identify","token":"aaa.bbb.ccc"})"));
    EXPECT_EQ(req.token, "aaa.bbb.ccc");
    EXPECT_TRUE(req.name.empty());
    EXPECT_FALSE(req.guest());
}

TEST(decoder_requests, identify_accepts_unicode_names) {
    EXPECT_EQ(body_as<p::identify_request>(decode_once(R"({"type":"identify","name":"Ren\u00e9e \ud83e\udd8a"})")).name,
              "Ren\xC3\xA9" "e \xF0\x9F\xA6\x8A");
    EXPECT_EQ(body_as<p::identify_request>(decode_once("{\"type\":\"identify\",\"name\":\"Ren\xC3\xA9" "e\"}")).name,
              "Ren\xC3\xA9" "e");
}

TEST(decoder_requests, join_with_and_without_since) {
    const auto with = body_as<p::join_request>(decode_once(R"({"type":"join","room":"general","since":41})"));
    EXPECT_EQ(with.room, "general");
    EXPECT_EQ(with.since, std::optional<std::uint64_t>{41});
    const auto zero = body_as<p::join_request>(decode_once(R"({"type":"join","room":"general","since":0})"));
    EXPECT_EQ(zero.since, std::optional<std::uint64_t>{0});
    const auto without = body_as<p::join_request>(decode_once(R"({"type":"join","room":"general"})"));
    EXPECT_EQ(without.since, std::nullopt);
}

TEST(decoder_requests, leave_names_the_room) {
    EXPECT_EQ(body_as<p::leave_request>(decode_once(R"({"type":"leave","room":"dev.ops-1"})")).room, "dev.ops-1");
}

TEST(decoder_requests, send_keeps_text_as_sent) {
    const auto req = body_as<p::send_request>(
        decode_once(R"({"type":"send","room":"general","text":"  hi \"there\"\n\u00e9 \ud83d\ude00 <b>  ","client_id":"tab:1.c_9-x"})"));
    EXPECT_EQ(req.room, "general");
    EXPECT_EQ(req.text, "  hi \"there\"\n\xC3\xA9 \xF0\x9F\x98\x80 <b>  ");
    EXPECT_EQ(req.client_id, "tab:1.c_9-x");
}

TEST(decoder_requests, send_text_of_exactly_the_limit_is_accepted) {
    p::decoder d(p::limits{.max_frame_bytes = 65536, .max_text_bytes = 10});
    const auto req =
        body_as<p::send_request>(decode_exact(d, R"({"type":"send","room":"r","text":"0123456789","client_id":"c"})"));
    EXPECT_EQ(req.text, "0123456789");
    // The limit counts UTF-8 bytes after unescaping: five "é" are ten bytes.
    const auto escaped = body_as<p::send_request>(
        decode_exact(d, R"({"type":"send","room":"r","text":"\u00e9\u00e9\u00e9\u00e9\u00e9","client_id":"c"})"));
    EXPECT_EQ(escaped.text.size(), 10U);
}

TEST(decoder_requests, history_defaults_and_bounds) {
    const auto defaults = body_as<p::history_request>(decode_once(R"({"type":"history","room":"general"})"));
    EXPECT_EQ(defaults.before, std::nullopt);
    EXPECT_EQ(defaults.limit, 50U);
    const auto given = body_as<p::history_request>(decode_once(R"({"type":"history","room":"r","before":58,"limit":1})"));
    EXPECT_EQ(given.before, std::optional<std::uint64_t>{58});
    EXPECT_EQ(given.limit, 1U);
    EXPECT_EQ(body_as<p::history_request>(decode_once(R"({"type":"history","room":"r","limit":100})")).limit, 100U);
}

TEST(decoder_requests, typing_and_ping) {
    EXPECT_EQ(body_as<p::typing_request>(decode_once(R"({"type":"typing","room":"general"})")).room, "general");
    const auto r = decode_once(R"({"type":"ping","id":6})");
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(std::holds_alternative<p::ping_request>(r->body));
}

TEST(decoder_requests, unknown_fields_are_ignored_even_when_repeated_or_nested) {
    const auto r = decode_once(
        R"({"v":2,"type":"join","x":{"deep":[1,2,{"a":null}]},"room":"general","x":"again","extra":true})");
    EXPECT_EQ(body_as<p::join_request>(r).room, "general");
    // Fields of other request types are ignored too.
    EXPECT_EQ(body_as<p::leave_request>(decode_once(R"({"type":"leave","room":"r","text":5,"since":-1})")).room, "r");
}

TEST(decoder_requests, null_means_absent_for_optional_fields) {
    const auto r = decode_once(R"({"type":"history","id":null,"room":"r","before":null,"limit":null})");
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(p::has_id(r->id));
    const auto req = body_as<p::history_request>(r);
    EXPECT_EQ(req.before, std::nullopt);
    EXPECT_EQ(req.limit, 50U);
}

TEST(decoder_requests, key_order_whitespace_and_escaped_keys_do_not_matter) {
    const auto r = decode_once(" \n\t{ \"room\" : \"general\" ,\r\n \"ty\\u0070e\" : \"leave\" , \"id\" : 3 } \n");
    EXPECT_EQ(body_as<p::leave_request>(r).room, "general");
    EXPECT_EQ(r->id, request_id{std::uint64_t{3}});
}

TEST(decoder_requests, one_decoder_decodes_many_frames_of_any_size) {
    p::decoder d;
    for (int round = 0; round < 3; ++round) {
        EXPECT_TRUE(decode_exact(d, R"({"type":"ping"})").has_value());
        // A big frame grows the parser; the next small one must still work.
        const std::string big = R"({"type":"send","room":"r","text":"hi","client_id":"c","pad":")" +
                                std::string(60000, 'x') + "\"}";
        EXPECT_EQ(body_as<p::send_request>(decode_exact(d, big)).text, "hi");
        EXPECT_FALSE(decode_exact(d, "nope").has_value());
        EXPECT_EQ(body_as<p::leave_request>(decode_exact(d, R"({"type":"leave","room":"r"})")).room, "r");
    }
}

TEST(decoder_requests, a_big_frame_does_not_pin_its_memory) {
    p::decoder d(p::limits{.max_frame_bytes = 65536, .max_text_bytes = 4096, .retain_bytes = 4096});
    const std::string mid = R"({"type":"ping","pad":")" + std::string(3000, 'x') + "\"}";
    ASSERT_TRUE(decode_exact(d, mid).has_value());
    const std::size_t kept = d.capacity();
    EXPECT_GE(kept, mid.size());  // grown for it, and kept: within retain_bytes
    const std::string big = R"({"type":"ping","pad":")" + std::string(50000, 'x') + "\"}";
    ASSERT_TRUE(decode_exact(d, big).has_value());
    EXPECT_LE(d.capacity(), 4096U);  // released after the call
    ASSERT_TRUE(decode_exact(d, mid).has_value());
    EXPECT_EQ(d.capacity(), kept);
}

TEST(decoder_requests, the_input_need_not_be_padded_or_terminated) {
    // A frame in the middle of a larger buffer: the bytes after it are not JSON.
    const std::string buffer = R"(xx{"type":"leave","room":"general"}GARBAGE")";
    const std::string_view frame = std::string_view(buffer).substr(2, buffer.size() - 2 - 8);
    p::decoder d;
    EXPECT_EQ(body_as<p::leave_request>(d.decode(frame)).room, "general");
}

TEST(decoder_requests, a_moved_decoder_keeps_working) {
    p::decoder a(p::limits{.max_frame_bytes = 100});
    p::decoder b(std::move(a));
    EXPECT_TRUE(decode_exact(b, R"({"type":"ping"})").has_value());
    EXPECT_EQ(b.config().max_frame_bytes, 100U);
}
