// The server's RFC 6455 framing on its own: what a client's bytes turn into,
// and which violations close the connection with which code.

#include "net/ws_frames.hpp"

#include "client_frames.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace chatd::net {
namespace {

using kind = ws_read_step::kind;

std::string text(std::string_view s) { return client_frame(0x81, s); }

struct seen {
    kind what;
    std::string payload;
    std::uint16_t code;
};

// Feeds `bytes` to a reader in pieces of `chunk` bytes, as reads from a
// socket would deliver them, keeping the unparsed rest as the connection does.
std::vector<seen> read_all(const std::string& bytes, std::size_t chunk = 1 << 20, std::size_t max_message = 1 << 20) {
    ws_frame_reader r(max_message);
    std::vector<seen> out;
    std::string pending;
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
        pending.append(bytes.substr(at, chunk));
        for (;;) {
            std::size_t used = 0;
            const auto s = r.next(pending.data(), pending.size(), used);
            if (s.what == kind::need_more) break;
            out.push_back({s.what, std::string(s.payload), s.code});
            if (s.what == kind::failed) return out;
            pending.erase(0, used);
        }
    }
    return out;
}

TEST(ws_frames, a_masked_text_frame_is_one_message) {
    const auto got = read_all(text(R"({"type":"ping","id":1})"));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].what, kind::text);
    EXPECT_EQ(got[0].payload, R"({"type":"ping","id":1})");
}

TEST(ws_frames, frames_split_at_every_byte_read_the_same) {
    const std::string long_text(300, 'z');       // 16-bit length
    const std::string huge_text(70'000, 'y');    // 64-bit length
    const std::string bytes = text("héllo") + text(long_text) + text(huge_text) + client_frame(0x89, "are you there");
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{4096}}) {
        const auto got = read_all(bytes, chunk);
        ASSERT_EQ(got.size(), 4u) << "chunk " << chunk;
        EXPECT_EQ(got[0].payload, "héllo");
        EXPECT_EQ(got[1].payload, long_text);
        EXPECT_EQ(got[2].payload, huge_text);
        EXPECT_EQ(got[3].what, kind::ping);
        EXPECT_EQ(got[3].payload, "are you there");
    }
}

TEST(ws_frames, fragments_make_one_message_and_control_frames_may_come_between) {
    // "é" is split across the two fragments: only the whole message must be UTF-8.
    const std::string e = "\xC3\xA9";
    const std::string bytes = client_frame(0x01, "caf" + e.substr(0, 1)) + client_frame(0x89, "p") +
                              client_frame(0x80, e.substr(1) + " au lait");
    const auto got = read_all(bytes);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].what, kind::fragment);
    EXPECT_EQ(got[1].what, kind::ping);
    EXPECT_EQ(got[2].what, kind::text);
    EXPECT_EQ(got[2].payload, "café au lait");
}

TEST(ws_frames, a_close_frame_gives_the_peers_code_and_reason) {
    const auto got = read_all(client_frame(0x88, std::string("\x03\xE8", 2) + "bye"));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].what, kind::close);
    EXPECT_EQ(got[0].code, 1000);
    EXPECT_EQ(got[0].payload, "bye");
    const auto bare = read_all(client_frame(0x88, ""));
    ASSERT_EQ(bare.size(), 1u);
    EXPECT_EQ(bare[0].code, 1005) << "no status";
}

TEST(ws_frames, binary_frames_are_reported_so_the_server_can_refuse_them) {
    const auto got = read_all(client_frame(0x82, std::string("\x00\x01", 2)));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].what, kind::binary);
}

struct violation {
    const char* name;
    std::string bytes;
    std::uint16_t code;
};

TEST(ws_frames, each_violation_fails_with_its_close_code) {
    const std::vector<violation> cases = {
        {"unmasked", client_frame(0x81, "hi", false), 1002},
        {"reserved bit", client_frame(0xC1, "hi"), 1002},
        {"unknown data opcode", client_frame(0x83, "hi"), 1002},
        {"unknown control opcode", client_frame(0x8B, ""), 1002},
        {"fragmented ping", client_frame(0x09, "p"), 1002},
        {"ping over 125 bytes", client_frame(0x89, std::string(126, 'p')), 1002},
        {"continuation first", client_frame(0x80, "x"), 1002},
        {"text inside a fragmented text", client_frame(0x01, "a") + client_frame(0x81, "b"), 1002},
        {"close of one byte", client_frame(0x88, "\x03"), 1002},
        {"close code 1005 on the wire", client_frame(0x88, std::string("\x03\xED", 2)), 1002},
        {"close code 999", client_frame(0x88, std::string("\x03\xE7", 2)), 1002},
        {"invalid UTF-8", text("ok \xFF\xFE"), 1007},
        {"invalid UTF-8 across fragments", client_frame(0x01, "\xC3") + client_frame(0x80, "("), 1007},
        {"invalid UTF-8 in a close reason", client_frame(0x88, std::string("\x03\xE8\xFF", 3)), 1007},
        {"over the message limit", text(std::string(101, 'x')), 1009},
        {"fragments over the limit", client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'x')),
         1009},
    };
    for (const auto& c : cases) {
        const auto got = read_all(c.bytes, 1 << 20, 100);
        ASSERT_FALSE(got.empty()) << c.name;
        EXPECT_EQ(got.back().what, kind::failed) << c.name;
        EXPECT_EQ(got.back().code, c.code) << c.name;
    }
}

TEST(ws_frames, an_oversized_length_fails_before_its_payload_arrives) {
    // Only the header of a 1 MiB frame: the reader must not wait for the rest.
    const std::string header = client_frame(0x81, std::string(1 << 20, 'x')).substr(0, 14);
    const auto got = read_all(header, 1 << 20, 64 * 1024);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].what, kind::failed);
    EXPECT_EQ(got[0].code, 1009);
}

TEST(ws_frames, server_headers_carry_the_length_in_the_shortest_form) {
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 5).view(), std::string("\x81\x05", 2));
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 300).view(), std::string("\x81\x7E\x01\x2C", 4));
    EXPECT_EQ(ws_frame_header(ws_opcode::pong, 0).view(), std::string("\x8A\x00", 2));
    const ws_frame_header h(ws_opcode::text, 70'000);
    const auto big = h.view();
    ASSERT_EQ(big.size(), 10u);
    EXPECT_EQ(big.substr(0, 2), std::string("\x81\x7F", 2));
    EXPECT_EQ(big.substr(7), std::string("\x01\x11\x70", 3));
}

TEST(ws_frames, a_close_frame_reason_is_cut_at_123_bytes_without_splitting_a_character) {
    const std::string reason = std::string(122, 'r') + "é";  // é takes bytes 123 and 124
    const std::string f = ws_close_frame(4000, reason);
    EXPECT_EQ(f.substr(0, 4), std::string("\x88\x7C\x0F\xA0", 4));  // 124 bytes: code and 122 of the reason
    EXPECT_EQ(f.size(), 2u + 2u + 122u);
}

}  // namespace
}  // namespace chatd::net
