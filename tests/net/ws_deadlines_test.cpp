// The connections' clocks over real sockets: a silent client is pinged and
// then dropped, one that answers the pings stays, a close the peer never
// answers is cut after the close timeout, and the server's one timer wakes
// only for connections that are due: open, busy connections whose clocks
// are far off cost no wake-up at all.

#include "support.hpp"

#include <future>

using namespace chatd::net::test;
using chatd::net::close_reason;
namespace close_code = chatd::net::close_code;

namespace {

// A raw upgraded connection: the test sees every byte the server sends and
// answers nothing.
error_code upgrade_raw(client_io& c, tcp::socket& sock, std::uint16_t port) {
    if (auto ec = c.complete([&](auto h) { sock.async_connect(local(port), std::move(h)); })) return ec;
    const std::string request =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    return c.complete([&](auto h) { asio::async_write(sock, asio::buffer(request), std::move(h)); });
}

// Reads until the server ends the connection; returns what it sent.
std::string read_until_closed(client_io& c, tcp::socket& sock, error_code& last) {
    std::string got;
    for (;;) {
        char buf[512];
        std::size_t n = 0;
        last = c.complete([&](auto h) {
            sock.async_read_some(asio::buffer(buf), [&n, h = std::move(h)](error_code e, std::size_t k) mutable {
                n = k;
                h(e);
            });
        });
        got.append(buf, n);
        if (last) return got;
    }
}

TEST(ws_deadlines, a_silent_client_is_pinged_then_dropped_by_the_idle_timeout) {
    auto cfg = test_config();
    cfg.idle_timeout = std::chrono::milliseconds(300);  // pings at 150 ms
    server s(cfg);
    client_io c;
    tcp::socket sock(c.io);
    ASSERT_FALSE(upgrade_raw(c, sock, s.port()));
    error_code ended;
    const std::string got = read_until_closed(c, sock, ended);
    EXPECT_NE(ended, asio::error::timed_out);
    const auto body = got.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << got;
    EXPECT_EQ(got.substr(body + 4), std::string("\x89\x00", 2)) << "one empty ping, then nothing";
    const auto why = s.sessions.wait_for(0)->wait_closed();
    ASSERT_TRUE(why);
    EXPECT_EQ(why->reason, close_reason::idle_timeout);
}

TEST(ws_deadlines, a_client_that_answers_the_pings_stays_open) {
    auto cfg = test_config();
    cfg.idle_timeout = std::chrono::milliseconds(300);  // pings at 150 ms
    server s(cfg);
    client_io c;
    ws_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    // Beast answers every ping while it reads. After the third ping (well
    // past the idle timeout) the client speaks, and reads the echo.
    int pings = 0;
    client.stream().control_callback([&](websocket::frame_type kind, beast::string_view) {
        if (kind != websocket::frame_type::ping || ++pings != 3) return;
        client.stream().async_write(asio::buffer(std::string_view("still here")), [](error_code, std::size_t) {});
    });
    const auto r = client.read();
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.text, "still here");
    EXPECT_EQ(pings, 3);
    EXPECT_EQ(s.sessions.wait_for(0)->closed_calls(), 0);
    EXPECT_EQ(s.listen.stats().closed(close_reason::idle_timeout), 0u);
}

TEST(ws_deadlines, a_close_the_peer_never_answers_is_cut_after_the_close_timeout) {
    auto cfg = test_config();
    cfg.close_timeout = std::chrono::milliseconds(200);
    server s(cfg, {}, false);
    client_io c;
    tcp::socket sock(c.io);
    ASSERT_FALSE(upgrade_raw(c, sock, s.port()));
    auto session = s.sessions.wait_for(0);
    ASSERT_TRUE(session);
    session->conn->close(close_code::normal, "bye");
    // The client reads the close frame and never answers it.
    error_code ended;
    const std::string got = read_until_closed(c, sock, ended);
    EXPECT_NE(ended, asio::error::timed_out);
    EXPECT_NE(got.find(std::string("\x88\x05\x03\xe8" "bye", 7)), std::string::npos);
    EXPECT_TRUE(s.sink->wait_for("close timed out")) << s.sink->all();
    std::promise<void> all_closed;
    s.listen.when_all_closed([&] { all_closed.set_value(); });
    EXPECT_EQ(all_closed.get_future().wait_for(generous), std::future_status::ready);
}

// Many open connections, busy but nowhere near their idle timeout: while
// one of them waits out its close timeout, the server's timer fires once,
// for that one, and looks at no other. (A sweep would have looked at every
// connection several times over in the same while.)
TEST(ws_deadlines, connections_with_nothing_due_cost_no_wake_up) {
    constexpr int n = 50;
    auto cfg = test_config();
    cfg.idle_timeout = std::chrono::hours(1);
    cfg.close_timeout = std::chrono::milliseconds(200);
    server s(cfg);
    client_io c;
    std::vector<std::unique_ptr<ws_client>> clients;
    for (int i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<ws_client>(c));
        ASSERT_FALSE(clients.back()->connect(s.port()));
    }
    // The silent one, whose close the test starts and never answers.
    tcp::socket silent(c.io);
    ASSERT_FALSE(upgrade_raw(c, silent, s.port()));
    auto closing = s.sessions.wait_for(n);
    ASSERT_TRUE(closing);

    const auto before = s.listen.stats();
    for (int round = 0; round < 3; ++round)
        for (auto& cl : clients) {
            ASSERT_FALSE(cl->write("hello"));
            const auto r = cl->read();
            ASSERT_FALSE(r.ec) << r.ec.message();
        }
    closing->conn->close(close_code::normal, "bye");
    EXPECT_TRUE(s.sink->wait_for("close timed out")) << s.sink->all();
    const auto after = s.listen.stats();

    EXPECT_EQ(after.deadline_wakeups - before.deadline_wakeups, 1u);
    EXPECT_EQ(after.deadline_checks - before.deadline_checks, 1u) << "only the closing connection was looked at";
    for (auto& cl : clients) {  // every busy one still works
        ASSERT_FALSE(cl->write("again"));
        EXPECT_EQ(cl->read().text, "again");
    }
}

}  // namespace
