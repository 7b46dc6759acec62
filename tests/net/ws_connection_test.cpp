// One WebSocket connection over real sockets: frames reach the handler and
// come back, the transport's limits close with the right codes, a slow
// consumer is cut off at its byte budget without touching a neighbour, and
// close() writes what is queued before the close frame.

#include "client_frames.hpp"
#include "support.hpp"

using namespace chatd::net::test;
using chatd::net::close_reason;
namespace close_code = chatd::net::close_code;

namespace {

TEST(ws_connection, echoes_text_frames_in_order_through_the_handler) {
    server s(test_config());
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port())) << "upgrade";
    const std::vector<std::string> sent{"hello", "{\"type\":\"ping\"}", "h\xc3\xa9llo \xf0\x9f\x98\x80", ""};
    for (const auto& f : sent) ASSERT_FALSE(client.write(f));
    for (const auto& f : sent) {
        const auto r = client.read();
        ASSERT_FALSE(r.ec) << r.ec.message();
        EXPECT_EQ(r.text, f);
    }
    auto session = s.sessions.wait_for(0);
    ASSERT_TRUE(session);
    EXPECT_EQ(session->frames(), sent);
    EXPECT_EQ(session->target, "/ws");
    EXPECT_EQ(session->conn->info().remote.rfind("127.0.0.1:", 0), 0u);

    ASSERT_FALSE(client.close(close_code::normal));
    const auto why = session->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::client_closed);
    EXPECT_EQ(why->code, close_code::normal);
    EXPECT_EQ(why->detail, "client closed 1000");
    EXPECT_FALSE(session->conn->send(frame("late"))) << "no frames after close";
    EXPECT_EQ(session->closed_calls(), 1);
    ASSERT_TRUE(s.sink->wait_for("closed: client closed 1000 (code 1000)"));
    EXPECT_TRUE(s.sink->has("open from 127.0.0.1:"));

    const auto st = s.listen.stats();
    EXPECT_EQ(st.ws_total, 1u);
    EXPECT_EQ(st.ws_bytes_in, st.ws_bytes_out);
    EXPECT_GT(st.ws_bytes_in, 0u);
}

TEST(ws_connection, the_factory_sees_the_target_and_origin) {
    server s(test_config());
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port(), "/ws?token=abc", "http://chat.example"));
    auto session = s.sessions.wait_for(0);
    ASSERT_TRUE(session);
    EXPECT_EQ(session->target, "/ws?token=abc");
    EXPECT_EQ(session->origin, "http://chat.example");
    ASSERT_FALSE(client.close(close_code::normal));
    ASSERT_TRUE(session->wait_closed());
    // The query (a token) never reaches the log.
    ASSERT_TRUE(s.sink->wait_for("closed:"));
    EXPECT_FALSE(s.sink->has("token=abc"));
}

TEST(ws_connection, a_binary_frame_closes_with_1003) {
    server s(test_config());
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    ASSERT_FALSE(client.write("\x01\x02", true));
    const auto r = client.read();
    EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
    EXPECT_EQ(client.close_code(), close_code::unsupported_data);
    const auto why = s.sessions.wait_for(0)->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::binary_frame);
    EXPECT_EQ(why->code, close_code::unsupported_data);
    EXPECT_TRUE(s.sessions.wait_for(0)->frames().empty());
}

TEST(ws_connection, a_message_over_read_message_max_closes_with_1009) {
    auto cfg = test_config();
    server s(cfg);
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    // Exactly at the limit still passes.
    const std::string at_limit(cfg.read_message_max, 'a');
    ASSERT_FALSE(client.write(at_limit));
    const auto echoed = client.read();
    ASSERT_FALSE(echoed.ec) << echoed.ec.message();
    EXPECT_EQ(echoed.text.size(), at_limit.size());

    ASSERT_FALSE(client.write(std::string(cfg.read_message_max + 1, 'a')));
    const auto r = client.read();
    EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
    EXPECT_EQ(client.close_code(), close_code::message_too_big);
    const auto why = s.sessions.wait_for(0)->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::message_too_big);
    EXPECT_EQ(why->code, close_code::message_too_big);
}

TEST(ws_connection, invalid_utf8_in_a_text_frame_closes_with_1007) {
    server s(test_config());
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    ASSERT_FALSE(client.write("ok \xff\xfe"));
    const auto r = client.read();
    EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
    EXPECT_EQ(client.close_code(), close_code::invalid_payload);
    const auto why = s.sessions.wait_for(0)->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::invalid_utf8);
    EXPECT_TRUE(s.sessions.wait_for(0)->frames().empty());
}

TEST(ws_connection, a_peer_that_stops_answering_is_dropped_by_the_idle_timeout) {
    auto cfg = test_config();
    cfg.idle_timeout = std::chrono::milliseconds(300);  // pings at 150 ms
    server s(cfg);
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    // The client never reads, so it never answers the server's pings.
    const auto why = s.sessions.wait_for(0)->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::idle_timeout);
    EXPECT_EQ(why->detail, "idle timeout");
    const auto r = client.read();  // the server dropped the TCP connection
    EXPECT_TRUE(r.ec);
}

TEST(ws_connection, close_writes_the_queued_frames_then_the_close_frame) {
    server s(test_config(), {}, false);
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    auto session = s.sessions.wait_for(0);
    ASSERT_TRUE(session);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(session->conn->send(frame("frame " + std::to_string(i))));
    session->conn->close(close_code::rate_limit_abuse, "rate limit abuse");
    session->conn->close(close_code::normal);  // only the first close counts
    for (int i = 0; i < 50; ++i) {
        const auto r = client.read();
        ASSERT_FALSE(r.ec) << i << ": " << r.ec.message();
        EXPECT_EQ(r.text, "frame " + std::to_string(i));
    }
    const auto r = client.read();
    EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
    EXPECT_EQ(client.close_code(), close_code::rate_limit_abuse);
    EXPECT_EQ(client.stream().reason().reason, "rate limit abuse");
    const auto why = session->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::server_closed);
    EXPECT_EQ(why->code, close_code::rate_limit_abuse);
    EXPECT_EQ(session->closed_calls(), 1);
}

// A client that never reads, sent the same frames at the same pace as one
// that does: the first is closed with 4000 once its queue passes the
// budget; the second never notices.
TEST(ws_connection, a_slow_consumer_is_closed_with_4000_and_its_neighbour_keeps_receiving) {
    auto cfg = test_config();
    cfg.outbound_budget_bytes = 256 * 1024;
    server s(cfg, {}, false);
    client_io c;
    ws_client slow(c);
    ws_client fast(c);
    ASSERT_FALSE(slow.connect(s.port()));
    auto slow_session = s.sessions.wait_for(0);
    ASSERT_FALSE(fast.connect(s.port()));
    auto fast_session = s.sessions.wait_for(1);
    ASSERT_TRUE(slow_session && fast_session);

    const auto big = frame(std::string(64 * 1024, 'x'));
    int rounds = 0;
    bool refused = false;
    // Bounded: kernel buffers on loopback hold a few MiB at most.
    for (; rounds < 10000 && !refused; ++rounds) {
        refused = !slow_session->conn->send(big);
        ASSERT_TRUE(fast_session->conn->send(big)) << "round " << rounds;
        const auto r = fast.read();
        ASSERT_FALSE(r.ec) << "round " << rounds << ": " << r.ec.message();
        ASSERT_EQ(r.text.size(), big->size());
    }
    ASSERT_TRUE(refused) << "the slow client was never cut off";

    const auto why = slow_session->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::slow_consumer);
    EXPECT_EQ(why->code, close_code::slow_consumer);
    EXPECT_FALSE(slow_session->conn->send(frame("more"))) << "a closing connection refuses frames";

    // The neighbour carries on.
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(fast_session->conn->send(frame("still here " + std::to_string(i))));
        const auto r = fast.read();
        ASSERT_FALSE(r.ec) << r.ec.message();
        EXPECT_EQ(r.text, "still here " + std::to_string(i));
    }

    // Now the slow client reads: what was already on its way, then 4000.
    std::size_t frames = 0;
    ws_read r;
    for (r = slow.read(); !r.ec && frames < 100000; r = slow.read()) {
        ASSERT_EQ(r.text.size(), big->size());
        ++frames;
    }
    EXPECT_EQ(r.ec, websocket::error::closed) << r.ec.message();
    EXPECT_EQ(slow.close_code(), close_code::slow_consumer);
    // rounds - 1 frames were accepted and the rest refused: the refused never
    // arrive. (How many of the accepted arrive depends on how much the
    // kernel took before the close began; the rest were dropped unsent.)
    EXPECT_LE(frames, static_cast<std::size_t>(rounds - 1)) << frames << " of " << rounds;
    EXPECT_TRUE(s.sink->wait_for("closed: slow consumer (code 4000)"));
    EXPECT_EQ(fast_session->closed_calls(), 0);

    const auto st = s.listen.stats();
    EXPECT_EQ(st.closed(close_reason::slow_consumer), 1u);
    EXPECT_EQ(st.ws_open, 1u) << "the fast client is still open";
}

}  // namespace

namespace {

// A client that does not wait for the 101 before its first frames (allowed
// to pipeline by nothing, but sent by some): the bytes the HTTP side read
// past the request are the connection's first frames, not lost.
TEST(ws_connection, frames_sent_right_behind_the_upgrade_request_are_read) {
    server s(test_config());
    client_io c;
    tcp::socket sock(c.io);
    ASSERT_FALSE(c.complete([&](auto h) { sock.async_connect(local(s.port()), std::move(h)); }));
    const std::string request =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const std::string bytes = request + chatd::net::client_frame(0x81, "early") + chatd::net::client_frame(0x89, "p");
    ASSERT_FALSE(c.complete([&](auto h) { asio::async_write(sock, asio::buffer(bytes), std::move(h)); }));

    // The 101, then (in either order) the pong and the handler's echo.
    std::string got;
    const auto has_all = [&] {
        const auto body = got.find("\r\n\r\n");
        return body != std::string::npos && got.find(std::string("\x81\x05" "early", 7), body) != std::string::npos &&
               got.find(std::string("\x8A\x01p", 3), body) != std::string::npos;
    };
    for (int reads = 0; reads < 100 && !has_all(); ++reads) {
        char buf[512];
        std::size_t n = 0;
        const auto ec = c.complete([&](auto h) {
            sock.async_read_some(asio::buffer(buf), [&n, h = std::move(h)](error_code e, std::size_t k) mutable {
                n = k;
                h(e);
            });
        });
        ASSERT_FALSE(ec) << ec.message() << " after " << got.size() << " bytes";
        got.append(buf, n);
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << got;
    EXPECT_NE(got.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
    EXPECT_TRUE(has_all()) << "the early frames were lost";
    auto session = s.sessions.wait_for(0);
    ASSERT_TRUE(session);
    EXPECT_EQ(session->frames(), std::vector<std::string>{"early"});
}

}  // namespace
