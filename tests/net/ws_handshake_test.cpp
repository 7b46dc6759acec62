// The opening handshake's pieces that need no socket.

#include "net/ws_handshake.hpp"

#include <gtest/gtest.h>

namespace chatd::net {
namespace {

TEST(ws_handshake, the_accept_key_is_the_one_rfc_6455_gives) {
    // RFC 6455 section 1.3.
    EXPECT_EQ(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_handshake, the_101_carries_the_accept_key) {
    const auto r = ws_switching_response("dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(r.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u);
    EXPECT_NE(r.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
    EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
}

TEST(ws_handshake, a_request_without_a_16_byte_key_or_version_13_is_refused) {
    EXPECT_FALSE(ws_upgrade_problem("dGhlIHNhbXBsZSBub25jZQ==", "13"));
    EXPECT_EQ(ws_upgrade_problem("dGhlIHNhbXBsZSBub25jZQ==", "8"), upgrade_problem::unsupported_version);
    EXPECT_EQ(ws_upgrade_problem("", "13"), upgrade_problem::bad_key);
    EXPECT_EQ(ws_upgrade_problem("dGhlIHNhbXBsZSBub25jZQ", "13"), upgrade_problem::bad_key);
    EXPECT_EQ(ws_upgrade_problem("dGhlIHNhbXBsZSBub25j!Q==", "13"), upgrade_problem::bad_key);
}

}  // namespace
}  // namespace chatd::net
