// The requests of rooms with kinds, roles and a log of events: each decodes
// into its struct with every field checked, each bad field gets its stable
// code with the id echoed, and none is known unless limits::product_requests
// is on.

#include "protocol/decoder.hpp"

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace p = chatd::protocol;
using p::error_code;
using p::request_id;
using p::test::body_as;
using p::test::decode_product;

namespace {

const request_id id5{std::uint64_t{5}};

// One valid frame of each product request type, with its wire type.
struct sample {
    std::string_view type;
    std::string frame;  // without an id; with_id adds one
};

const std::vector<sample> samples{
    {"create_room", R"({"type":"create_room","kind":"public","room":"plans","topic":"Q3"})"},
    {"create_room", R"({"type":"create_room","kind":"private"})"},
    {"open_direct", R"({"type":"open_direct","users":["bob","carol"]})"},
    {"members", R"({"type":"members","room":"!abc234"})"},
    {"invite", R"({"type":"invite","room":"!abc234","user":"bob","client_id":"c-1"})"},
    {"remove", R"({"type":"remove","room":"general","user":"bob","client_id":"c-1"})"},
    {"ban", R"({"type":"ban","room":"general","user":"guest:bob","until":1700000000000,"client_id":"c-1"})"},
    {"ban", R"({"type":"ban","room":"general","user":"bob","client_id":"c-1"})"},
    {"unban", R"({"type":"unban","room":"general","user":"bob","client_id":"c-1"})"},
    {"mute", R"({"type":"mute","room":"general","user":"bob","until":1700000000000,"client_id":"c-1"})"},
    {"unmute", R"({"type":"unmute","room":"general","user":"bob","client_id":"c-1"})"},
    {"set_role", R"({"type":"set_role","room":"general","user":"bob","role":"admin","client_id":"c-1"})"},
    {"set_topic", R"({"type":"set_topic","room":"general","topic":"","client_id":"c-1"})"},
    {"edit", R"({"type":"edit","room":"general","seq":42,"text":"fixed","client_id":"c-1"})"},
    {"delete", R"({"type":"delete","room":"general","seq":42,"client_id":"c-1"})"},
    {"react", R"({"type":"react","room":"general","seq":42,"emoji":"\ud83d\udc4d","client_id":"c-1"})"},
    {"unreact", R"({"type":"unreact","room":"general","seq":42,"emoji":"+1","client_id":"c-1"})"},
    {"read", R"({"type":"read","room":"general","seq":42})"},
};

std::string with_id(const std::string& frame, std::string_view id) {
    std::string s = frame;
    s.insert(s.size() - 1, id);
    return s;
}

// Decodes `frame` with the product requests on and expects `code`, with the id 5.
void expect_error(const std::string& frame, error_code code) {
    p::test::expect_decode_error(decode_product(frame), frame, code, id5);
}

}  // namespace

TEST(decoder_product_requests, unknown_until_turned_on) {
    for (const auto& s : samples) {
        const auto r = p::test::decode_once(with_id(s.frame, R"(,"id":5)"));
        ASSERT_FALSE(r.has_value()) << s.frame;
        EXPECT_EQ(r.error().code, error_code::unknown_type) << s.frame;
        EXPECT_EQ(r.error().id, id5) << s.frame;
    }
    // Nor are server-assigned room names: a join must not create a public "!x".
    for (const std::string type : {"join", "leave", "typing", "history"}) {
        const auto r = p::test::decode_once(R"({"type":")" + type + R"(","id":5,"room":"!abc234"})");
        ASSERT_FALSE(r.has_value()) << type;
        EXPECT_EQ(r.error().code, error_code::invalid_field) << type;
        EXPECT_EQ(r.error().id, id5);
    }
    EXPECT_EQ(p::test::error_of(p::test::decode_once(R"({"type":"send","room":"!a","text":"t","client_id":"c"})")),
              error_code::invalid_field);
    // leave's "forget" is ignored with the rest of the unknown keys.
    const auto leave = body_as<p::leave_request>(p::test::decode_once(R"({"type":"leave","room":"r","forget":7})"));
    EXPECT_FALSE(leave.forget);
}

TEST(decoder_product_requests, every_type_decodes_with_any_id) {
    for (const auto& s : samples) {
        for (const auto& [id_json, id] : {std::pair<std::string_view, request_id>{"", request_id{}},
                                          {R"(,"id":17)", request_id{std::uint64_t{17}}},
                                          {R"(,"id":"req-17")", request_id{std::string("req-17")}}}) {
            const auto r = decode_product(with_id(s.frame, id_json));
            ASSERT_TRUE(r.has_value()) << s.frame << ": " << r.error().message;
            EXPECT_EQ(p::type_name(r->body), s.type);
            EXPECT_EQ(r->id, id);
        }
    }
}

TEST(decoder_product_requests, the_core_requests_are_unchanged_when_turned_on) {
    EXPECT_EQ(body_as<p::send_request>(decode_product(R"({"type":"send","room":"r","text":"hi","client_id":"c"})")).text,
              "hi");
    for (const std::string type : {"join", "leave", "typing", "history"}) {
        const auto r = decode_product(R"({"type":")" + type + R"(","room":"!abc234"})");
        ASSERT_TRUE(r.has_value()) << type;
        EXPECT_EQ(p::type_name(r->body), type);
    }
    EXPECT_EQ(body_as<p::send_request>(decode_product(R"({"type":"send","room":"!a","text":"t","client_id":"c"})")).room,
              "!a");
    EXPECT_EQ(p::test::error_of(decode_product(R"({"type":"join","room":"!"})")), error_code::invalid_field);
    EXPECT_EQ(p::test::error_of(decode_product(R"({"type":"join","room":"!ABC"})")), error_code::invalid_field);
    EXPECT_EQ(p::test::error_of(decode_product(R"({"type":"shout"})")), error_code::unknown_type);
}

TEST(decoder_product_requests, leave_may_forget) {
    EXPECT_TRUE(body_as<p::leave_request>(decode_product(R"({"type":"leave","room":"r","forget":true})")).forget);
    EXPECT_FALSE(body_as<p::leave_request>(decode_product(R"({"type":"leave","room":"r","forget":false})")).forget);
    EXPECT_FALSE(body_as<p::leave_request>(decode_product(R"({"type":"leave","room":"r","forget":null})")).forget);
    EXPECT_FALSE(body_as<p::leave_request>(decode_product(R"({"type":"leave","room":"r"})")).forget);
    expect_error(R"({"type":"leave","id":5,"room":"r","forget":1})", error_code::wrong_type);
    expect_error(R"({"type":"leave","id":5,"room":"r","forget":"true"})", error_code::wrong_type);
}

TEST(decoder_product_requests, create_room_public_and_private) {
    const auto pub = body_as<p::create_room_request>(
        decode_product(R"({"type":"create_room","kind":"public","room":"plans","topic":"Q3 \u00e9"})"));
    EXPECT_EQ(pub.kind, p::room_kind::public_room);
    EXPECT_EQ(pub.room, "plans");
    EXPECT_EQ(pub.topic, "Q3 \xC3\xA9");
    const auto priv = body_as<p::create_room_request>(decode_product(R"({"type":"create_room","kind":"private"})"));
    EXPECT_EQ(priv.kind, p::room_kind::private_room);
    EXPECT_EQ(priv.room, "");
    EXPECT_EQ(priv.topic, "");
    const auto topic256 = std::string(256, 't');
    EXPECT_EQ(body_as<p::create_room_request>(
                  decode_product(R"({"type":"create_room","kind":"private","topic":")" + topic256 + "\"}"))
                  .topic,
              topic256);
}

TEST(decoder_product_requests, create_room_errors) {
    expect_error(R"({"type":"create_room","id":5})", error_code::missing_field);
    expect_error(R"({"type":"create_room","id":5,"kind":1})", error_code::wrong_type);
    expect_error(R"({"type":"create_room","id":5,"kind":"secret"})", error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"direct"})", error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"Public","room":"r"})", error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"public"})", error_code::missing_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"public","room":".x"})", error_code::invalid_field);
    // A client never picks a server-assigned name, for either kind.
    expect_error(R"({"type":"create_room","id":5,"kind":"public","room":"!abc"})", error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"private","room":"plans"})", error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"public","room":"r","topic":7})", error_code::wrong_type);
    expect_error(R"({"type":"create_room","id":5,"kind":"private","topic":")" + std::string(257, 't') + "\"}",
                 error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"private","topic":"a\nb"})", error_code::invalid_field);
    expect_error(R"({"type":"create_room","id":5,"kind":"private","topic":"\ud800"})", error_code::invalid_utf8);
}

TEST(decoder_product_requests, open_direct_takes_one_to_eight_distinct_users) {
    const auto one = body_as<p::open_direct_request>(decode_product(R"({"type":"open_direct","users":["bob"]})"));
    EXPECT_EQ(one.users, (std::vector<std::string>{"bob"}));
    const auto eight = body_as<p::open_direct_request>(
        decode_product(R"({"type":"open_direct","users":["h","g","f","e","d","c","b","guest:a"]})"));
    EXPECT_EQ(eight.users, (std::vector<std::string>{"h", "g", "f", "e", "d", "c", "b", "guest:a"}));  // as sent
    const auto unicode =
        body_as<p::open_direct_request>(decode_product(R"({"type":"open_direct","users":["Ren\u00e9e","bob smith"]})"));
    EXPECT_EQ(unicode.users, (std::vector<std::string>{"Ren\xC3\xA9" "e", "bob smith"}));
}

TEST(decoder_product_requests, open_direct_errors) {
    expect_error(R"({"type":"open_direct","id":5})", error_code::missing_field);
    expect_error(R"({"type":"open_direct","id":5,"users":"bob"})", error_code::wrong_type);
    expect_error(R"({"type":"open_direct","id":5,"users":{"0":"bob"}})", error_code::wrong_type);
    expect_error(R"({"type":"open_direct","id":5,"users":["bob",7]})", error_code::wrong_type);
    expect_error(R"({"type":"open_direct","id":5,"users":[["bob"]]})", error_code::wrong_type);
    expect_error(R"({"type":"open_direct","id":5,"users":[]})", error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":["a","b","c","d","e","f","g","h","i"]})",
                 error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":["bob","carol","bob"]})", error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":["bob",""]})", error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":[" bob"]})", error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":[")" + std::string(33, 'u') + R"("]})",
                 error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":["ad\u200bmin"]})", error_code::invalid_field);
    expect_error(R"({"type":"open_direct","id":5,"users":["b\ud800"]})", error_code::invalid_utf8);
}

TEST(decoder_product_requests, members_names_a_room) {
    EXPECT_EQ(body_as<p::members_request>(decode_product(R"({"type":"members","room":"general"})")).room, "general");
    expect_error(R"({"type":"members","id":5})", error_code::missing_field);
    expect_error(R"({"type":"members","id":5,"room":"!"})", error_code::invalid_field);
}

TEST(decoder_product_requests, member_changes_carry_their_action) {
    const std::vector<std::pair<std::string, p::member_action>> types{
        {"invite", p::member_action::invite}, {"remove", p::member_action::remove},
        {"ban", p::member_action::ban},       {"unban", p::member_action::unban},
        {"mute", p::member_action::mute},     {"unmute", p::member_action::unmute},
    };
    for (const auto& [type, action] : types) {
        const auto req = body_as<p::member_change_request>(
            decode_product(R"({"type":")" + type + R"(","room":"!r2","user":"bob","client_id":"c:1"})"));
        EXPECT_EQ(req.action, action) << type;
        EXPECT_EQ(req.room, "!r2");
        EXPECT_EQ(req.user, "bob");
        EXPECT_EQ(req.until, 0U);  // forever
        EXPECT_EQ(req.role, p::member_role::member);
        EXPECT_EQ(req.client_id, "c:1");
    }
    const auto ban = body_as<p::member_change_request>(decode_product(
        R"({"type":"ban","room":"r","user":"guest:eve","until":9007199254740991,"client_id":"c"})"));
    EXPECT_EQ(ban.user, "guest:eve");
    EXPECT_EQ(ban.until, p::max_safe_integer);
    EXPECT_EQ(body_as<p::member_change_request>(
                  decode_product(R"({"type":"mute","room":"r","user":"eve","until":1,"client_id":"c"})"))
                  .until,
              1U);
    // "until" belongs to ban and mute: elsewhere it is ignored like any field of another type.
    EXPECT_EQ(body_as<p::member_change_request>(
                  decode_product(R"({"type":"invite","room":"r","user":"eve","until":"x","client_id":"c"})"))
                  .until,
              0U);
    for (const auto& [name, role] : {std::pair<std::string, p::member_role>{"owner", p::member_role::owner},
                                     {"admin", p::member_role::admin},
                                     {"member", p::member_role::member}}) {
        const auto req = body_as<p::member_change_request>(decode_product(
            R"({"type":"set_role","room":"r","user":"bob","role":")" + name + R"(","client_id":"c"})"));
        EXPECT_EQ(req.action, p::member_action::role);
        EXPECT_EQ(req.role, role) << name;
    }
}

TEST(decoder_product_requests, member_change_errors_in_field_order) {
    for (const std::string type : {"invite", "remove", "ban", "unban", "mute", "unmute"}) {
        const std::string head = R"({"type":")" + type + R"(","id":5)";
        expect_error(head + R"(,"user":"bob","client_id":"c"})", error_code::missing_field);
        expect_error(head + R"(,"room":"a b","user":"bob","client_id":"c"})", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","client_id":"c"})", error_code::missing_field);
        expect_error(head + R"(,"room":"r","user":["bob"],"client_id":"c"})", error_code::wrong_type);
        expect_error(head + R"(,"room":"r","user":"","client_id":"c"})", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","user":"bob ","client_id":"c"})", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","user":"b\u0007b","client_id":"c"})", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","user":"\udc00","client_id":"c"})", error_code::invalid_utf8);
        expect_error(head + R"(,"room":"r","user":"bob"})", error_code::missing_field);
        expect_error(head + R"(,"room":"r","user":"bob","client_id":"c/1"})", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","user":"bob","client_id":1})", error_code::wrong_type);
        // The first bad field in wire order is the one reported.
        expect_error(head + R"(,"room":"r","user":"","client_id":1})", error_code::invalid_field);
    }
    for (const std::string type : {"ban", "mute"}) {
        const std::string head = R"({"type":")" + type + R"(","id":5,"room":"r","user":"bob","client_id":"c","until":)";
        expect_error(head + "0}", error_code::invalid_field);
        expect_error(head + "-1}", error_code::invalid_field);
        expect_error(head + "9007199254740992}", error_code::invalid_field);
        expect_error(head + "1e30}", error_code::invalid_field);
        expect_error(head + "1.5}", error_code::wrong_type);
        expect_error(head + R"("2030-01-01"})", error_code::wrong_type);
        // until comes before client_id
        expect_error(R"({"type":")" + type + R"(","id":5,"room":"r","user":"bob","until":0,"client_id":"/"})",
                     error_code::invalid_field);
    }
    const std::string head = R"({"type":"set_role","id":5,"room":"r","user":"bob","client_id":"c")";
    expect_error(head + "}", error_code::missing_field);
    expect_error(head + R"(,"role":1})", error_code::wrong_type);
    expect_error(head + R"(,"role":"Admin"})", error_code::invalid_field);
    expect_error(head + R"(,"role":"moderator"})", error_code::invalid_field);
    expect_error(head + R"(,"role":""})", error_code::invalid_field);
}

TEST(decoder_product_requests, set_topic_may_clear_it) {
    const auto set = body_as<p::set_topic_request>(
        decode_product(R"({"type":"set_topic","room":"r","topic":"Ship it \ud83d\ude80","client_id":"c"})"));
    EXPECT_EQ(set.room, "r");
    EXPECT_EQ(set.topic, "Ship it \xF0\x9F\x9A\x80");
    EXPECT_EQ(set.client_id, "c");
    EXPECT_EQ(body_as<p::set_topic_request>(decode_product(R"({"type":"set_topic","room":"r","topic":"","client_id":"c"})"))
                  .topic,
              "");
    expect_error(R"({"type":"set_topic","id":5,"room":"r","client_id":"c"})", error_code::missing_field);
    expect_error(R"({"type":"set_topic","id":5,"room":"r","topic":null,"client_id":"c"})", error_code::missing_field);
    expect_error(R"({"type":"set_topic","id":5,"room":"r","topic":true,"client_id":"c"})", error_code::wrong_type);
    expect_error(R"({"type":"set_topic","id":5,"room":"r","topic":")" + std::string(257, 't') + R"(","client_id":"c"})",
                 error_code::invalid_field);
    expect_error(R"({"type":"set_topic","id":5,"room":"r","topic":"a\u2028b","client_id":"c"})",
                 error_code::invalid_field);
    expect_error(R"({"type":"set_topic","id":5,"room":"r","topic":"\ud800","client_id":"c"})", error_code::invalid_utf8);
    expect_error(R"({"type":"set_topic","id":5,"room":"r","topic":"ok"})", error_code::missing_field);
}

TEST(decoder_product_requests, line_changes_carry_their_kind_and_target) {
    const auto edit = body_as<p::line_change_request>(
        decode_product(R"({"type":"edit","room":"r","seq":42,"text":"  fixed\n","client_id":"c"})"));
    EXPECT_EQ(edit.kind, p::event_kind::edit);
    EXPECT_EQ(edit.room, "r");
    EXPECT_EQ(edit.seq, 42U);
    EXPECT_EQ(edit.text, "  fixed\n");  // as sent, like send's text
    EXPECT_EQ(edit.client_id, "c");
    const auto del = body_as<p::line_change_request>(
        decode_product(R"({"type":"delete","room":"r","seq":9007199254740991,"client_id":"c"})"));
    EXPECT_EQ(del.kind, p::event_kind::delete_line);
    EXPECT_EQ(del.seq, p::max_safe_integer);
    EXPECT_EQ(del.text, "");
    const auto react = body_as<p::line_change_request>(
        decode_product(R"({"type":"react","room":"r","seq":1,"emoji":"\u2764\ufe0f","client_id":"c"})"));
    EXPECT_EQ(react.kind, p::event_kind::react);
    EXPECT_EQ(react.text, "\xE2\x9D\xA4\xEF\xB8\x8F");
    const auto unreact = body_as<p::line_change_request>(
        decode_product(R"({"type":"unreact","room":"r","seq":1,"emoji":":tada:","client_id":"c"})"));
    EXPECT_EQ(unreact.kind, p::event_kind::unreact);
    EXPECT_EQ(unreact.text, ":tada:");
}

TEST(decoder_product_requests, line_change_errors) {
    for (const std::string type : {"edit", "delete", "react", "unreact"}) {
        const std::string head = R"({"type":")" + type + R"(","id":5)";
        const std::string extra = type == "edit" ? R"(,"text":"t")" : type == "delete" ? "" : R"(,"emoji":"e")";
        expect_error(head + R"(,"seq":1,"client_id":"c")" + extra + "}", error_code::missing_field);
        expect_error(head + R"(,"room":"r","client_id":"c")" + extra + "}", error_code::missing_field);
        expect_error(head + R"(,"room":"r","seq":0,"client_id":"c")" + extra + "}", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","seq":-1,"client_id":"c")" + extra + "}", error_code::invalid_field);
        expect_error(head + R"(,"room":"r","seq":9007199254740992,"client_id":"c")" + extra + "}",
                     error_code::invalid_field);
        expect_error(head + R"(,"room":"r","seq":"1","client_id":"c")" + extra + "}", error_code::wrong_type);
        expect_error(head + R"(,"room":"r","seq":1.0,"client_id":"c")" + extra + "}", error_code::wrong_type);
        expect_error(head + R"(,"room":"r","seq":1)" + extra + "}", error_code::missing_field);
        expect_error(head + R"(,"room":"r","seq":1,"client_id":"")" + extra + "}", error_code::invalid_field);
    }
    const std::string edit = R"({"type":"edit","id":5,"room":"r","seq":1,"client_id":"c","text":)";
    expect_error(edit + R"(""})", error_code::text_empty);
    expect_error(edit + "\"" + std::string(4097, 't') + "\"}", error_code::text_too_long);
    expect_error(edit + R"("\ud800"})", error_code::invalid_utf8);
    expect_error(edit + "7}", error_code::wrong_type);
    expect_error(R"({"type":"edit","id":5,"room":"r","seq":1,"client_id":"c"})", error_code::missing_field);
    for (const std::string type : {"react", "unreact"}) {
        const std::string head = R"({"type":")" + type + R"(","id":5,"room":"r","seq":1,"client_id":"c")";
        expect_error(head + "}", error_code::missing_field);
        expect_error(head + R"(,"emoji":""})", error_code::invalid_field);
        expect_error(head + R"(,"emoji":"a b"})", error_code::invalid_field);
        expect_error(head + R"(,"emoji":"\n"})", error_code::invalid_field);
        expect_error(head + R"(,"emoji":")" + std::string(33, 'e') + "\"}", error_code::invalid_field);
        expect_error(head + R"(,"emoji":"\ud83d"})", error_code::invalid_utf8);
        expect_error(head + R"(,"emoji":["+1"]})", error_code::wrong_type);
    }
}

TEST(decoder_product_requests, read_takes_any_seq) {
    const auto read = body_as<p::read_request>(decode_product(R"({"type":"read","room":"!dm7","seq":58})"));
    EXPECT_EQ(read.room, "!dm7");
    EXPECT_EQ(read.seq, 58U);
    EXPECT_EQ(body_as<p::read_request>(decode_product(R"({"type":"read","room":"r","seq":0})")).seq, 0U);
    expect_error(R"({"type":"read","id":5,"seq":1})", error_code::missing_field);
    expect_error(R"({"type":"read","id":5,"room":"r"})", error_code::missing_field);
    expect_error(R"({"type":"read","id":5,"room":"r","seq":-1})", error_code::invalid_field);
    expect_error(R"({"type":"read","id":5,"room":"r","seq":"58"})", error_code::wrong_type);
}

TEST(decoder_product_requests, their_keys_may_not_repeat_either) {
    expect_error(R"({"type":"read","id":5,"room":"r","seq":1,"seq":2})", error_code::bad_json);
    expect_error(R"({"type":"ban","id":5,"room":"r","user":"a","user":"b","client_id":"c"})", error_code::bad_json);
    expect_error(R"({"type":"open_direct","id":5,"users":["a"],"users":["b"]})", error_code::bad_json);
}
