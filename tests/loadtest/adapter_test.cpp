// The protocol speakers: what they send (the chatd codec must accept it) and
// what they make of the server's frames.

#include "adapter.hpp"
#include "payload.hpp"

#include "protocol/decoder.hpp"

#include <gtest/gtest.h>

namespace l = chatd::load;
using kind = l::server_frame::kind;

TEST(chatd_adapter, requests_are_what_the_server_decodes) {
    const auto a = l::make_adapter(l::protocol_kind::chatd);
    chatd::protocol::decoder d;
    auto r = d.decode(a->hello("u17"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(std::get<chatd::protocol::identify_request>(r->body).name, "u17");
    r = d.decode(a->join(2, "room-10-0-3"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(std::get<chatd::protocol::join_request>(r->body).room, "room-10-0-3");
    std::string text, frame;
    l::stamp_payload(text, {1234567, true}, 100);
    a->send(frame, 9, "room-10-0-3", text, "c1-9");
    r = d.decode(frame);
    ASSERT_TRUE(r) << r.error().message;
    const auto& s = std::get<chatd::protocol::send_request>(r->body);
    EXPECT_EQ(s.text, text);
    EXPECT_EQ(s.client_id, "c1-9");
    EXPECT_EQ(r->id, chatd::protocol::request_id{std::uint64_t{9}});
    EXPECT_EQ(a->target("/ws", "u1"), "/ws");
}

TEST(chatd_adapter, server_frames) {
    const auto a = l::make_adapter(l::protocol_kind::chatd);
    simdjson::dom::parser p;
    auto f = a->parse(R"({"type":"identified","id":1,"user":"u1","guest":true})", p);
    EXPECT_EQ(f.what, kind::ready);
    f = a->parse(R"({"type":"joined","id":2,"room":"r","members":["u1"],"last_seq":43})", p);
    EXPECT_EQ(f.what, kind::joined);
    EXPECT_EQ(f.last_seq, 43u);
    EXPECT_EQ(f.id, 2u);
    f = a->parse(R"({"type":"message","room":"r","seq":44,"from":"u1","text":"99 xx","ts":1,"client_id":"c"})", p);
    EXPECT_EQ(f.what, kind::message);
    EXPECT_EQ(f.seq, 44u);
    EXPECT_EQ(f.text, "99 xx");
    EXPECT_EQ(f.room, "r");
    // An event takes a seq between the lines: counted, not a gap.
    f = a->parse(R"({"type":"event","room":"r","seq":45,"kind":"member","from":"u2","user":"u2","action":"join"})", p);
    EXPECT_EQ(f.what, kind::message);
    EXPECT_EQ(f.seq, 45u);
    EXPECT_EQ(f.text, "");
    f = a->parse(R"({"type":"ack","id":7,"room":"r","client_id":"c","seq":44,"ts":1})", p);
    EXPECT_EQ(f.what, kind::ack);
    EXPECT_EQ(f.id, 7u);
    EXPECT_EQ(f.seq, 44u);
    f = a->parse(R"({"type":"error","id":4,"code":"rate_limited","message":"slow down"})", p);
    EXPECT_EQ(f.what, kind::error);
    EXPECT_EQ(f.code, "rate_limited");
    EXPECT_EQ(f.id, 4u);
    f = a->parse(R"({"type":"error","code":"bad_json","message":"x"})", p);
    EXPECT_EQ(f.what, kind::error);
    EXPECT_EQ(f.id, 0u);
    EXPECT_EQ(a->parse(R"({"type":"presence","room":"r","user":"u2","event":"join"})", p).what, kind::ignore);
    EXPECT_EQ(a->parse(R"({"type":"something_new"})", p).what, kind::ignore);
    EXPECT_EQ(a->parse("not json", p).what, kind::bad);
    EXPECT_EQ(a->parse(R"({"type":"message","room":"r"})", p).what, kind::bad);
}

TEST(socketio_adapter, engine_io_handshake_and_pings) {
    const auto a = l::make_adapter(l::protocol_kind::socketio);
    simdjson::dom::parser p;
    EXPECT_EQ(a->hello("u1"), "");  // the server speaks first
    auto f = a->parse(R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
                      p);
    EXPECT_EQ(f.what, kind::reply);
    EXPECT_EQ(f.reply, "40");
    f = a->parse("2", p);
    EXPECT_EQ(f.what, kind::reply);
    EXPECT_EQ(f.reply, "3");
    EXPECT_EQ(a->parse(R"(40{"sid":"xyz"})", p).what, kind::ready);
    EXPECT_EQ(a->parse("1", p).what, kind::closing);
    EXPECT_EQ(a->parse(R"(44{"message":"no"})", p).what, kind::closing);
    EXPECT_EQ(a->parse("", p).what, kind::bad);
    EXPECT_EQ(a->parse("9", p).what, kind::bad);
}

TEST(socketio_adapter, events_and_acks) {
    const auto a = l::make_adapter(l::protocol_kind::socketio);
    simdjson::dom::parser p;
    EXPECT_EQ(a->join(2, "r1"), R"(422["join",{"room":"r1"}])");
    std::string frame;
    a->send(frame, 17, "r1", "5 xx", "c1-17");
    EXPECT_EQ(frame, R"(4217["send",{"room":"r1","text":"5 xx","client_id":"c1-17"}])");

    auto f = a->parse(R"(43 2[{"room":"r1","last_seq":12}])", p);
    EXPECT_EQ(f.what, kind::bad);  // no space is allowed after the type
    f = a->parse(R"(432[{"room":"r1","last_seq":12}])", p);
    EXPECT_EQ(f.what, kind::joined);
    EXPECT_EQ(f.id, 2u);
    EXPECT_EQ(f.last_seq, 12u);
    f = a->parse(R"(4317[{"seq":13,"ts":1700000000000}])", p);
    EXPECT_EQ(f.what, kind::ack);
    EXPECT_EQ(f.id, 17u);
    EXPECT_EQ(f.seq, 13u);
    f = a->parse(R"(4318[{"error":"rate_limited"}])", p);
    EXPECT_EQ(f.what, kind::error);
    EXPECT_EQ(f.code, "rate_limited");
    f = a->parse(R"(42["message",{"room":"r1","seq":13,"from":"u1","text":"5 xx","ts":1,"client_id":"c1-17"}])", p);
    EXPECT_EQ(f.what, kind::message);
    EXPECT_EQ(f.seq, 13u);
    EXPECT_EQ(f.text, "5 xx");
    EXPECT_EQ(a->parse(R"(42["presence",{"room":"r1"}])", p).what, kind::ignore);
    EXPECT_EQ(a->parse(R"(42/admin,["message",{}])", p).what, kind::ignore);
    EXPECT_EQ(a->parse(R"(42["message",{"room":"r1"}])", p).what, kind::bad);
    EXPECT_EQ(a->parse("43[{}]", p).what, kind::bad);  // an ack needs its id
}

TEST(socketio_adapter, the_user_name_goes_in_the_query) {
    const auto a = l::make_adapter(l::protocol_kind::socketio);
    EXPECT_EQ(a->target("/socket.io/?EIO=4&transport=websocket", "u17"),
              "/socket.io/?EIO=4&transport=websocket&name=u17");
    EXPECT_EQ(a->target("/socket.io/", "u3"), "/socket.io/?name=u3");
}

TEST(payload, stamp_fills_the_size_and_reads_back) {
    std::string t;
    l::stamp_payload(t, {1'700'000'123'456'789ull, true}, 64);
    EXPECT_EQ(t.size(), 64u);
    auto s = l::read_stamp(t);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->sent_us, 1'700'000'123'456'789ull);
    EXPECT_TRUE(s->measured);
    l::stamp_payload(t, {42, false}, 24);
    EXPECT_EQ(t.size(), 24u);
    s = l::read_stamp(t);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->sent_us, 42u);
    EXPECT_FALSE(s->measured);
    l::stamp_payload(t, {18'446'744'073'709'551'615ull, true}, 24);  // the longest stamp still fits
    EXPECT_EQ(t.size(), 24u);
    EXPECT_FALSE(l::read_stamp("hello"));
    EXPECT_FALSE(l::read_stamp("123"));  // no flag: not a stamp
    EXPECT_FALSE(l::read_stamp("123 m"));
    EXPECT_FALSE(l::read_stamp("123 q xx"));
    EXPECT_FALSE(l::read_stamp(""));
}
