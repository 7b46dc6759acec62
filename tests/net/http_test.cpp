// The listener's HTTP side over real sockets: static files with their
// content types, traversal attempts that never leak a byte, the health,
// readiness and metrics endpoints, methods, keep-alive.

#include "support.hpp"

#include "metrics/registry.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace chatd::net::test;
using chatd::net::listener_callbacks;
using chatd::net::readiness_answer;

namespace {

constexpr std::string_view secret = "TOP SECRET";

class http_server : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = std::make_unique<temp_dir>();
        root_->write("site/index.html", "<!doctype html><h1>chat</h1>");
        root_->write("site/app.js", "console.log('hi')");
        root_->write("site/style.css", "body{color:red}");
        root_->write("site/data.json", "{}");
        root_->write("site/logo.svg", "<svg/>");
        root_->write("site/app.js.map", "{}");
        root_->write("secret.txt", secret);
        std::filesystem::create_directory_symlink(root_->path(), root_->path() / "site" / "up");
    }

    chatd::net::net_config config() const {
        auto c = test_config();
        c.web_root = root_->path() / "site";
        return c;
    }

    std::unique_ptr<temp_dir> root_;
};

TEST_F(http_server, serves_static_files_with_their_content_type) {
    server s(config());
    struct want {
        const char* target;
        const char* type;
        const char* body;
    };
    for (const want& w : {want{"/", "text/html; charset=utf-8", "<!doctype html><h1>chat</h1>"},
                          want{"/index.html", "text/html; charset=utf-8", "<!doctype html><h1>chat</h1>"},
                          want{"/app.js?v=2", "text/javascript; charset=utf-8", "console.log('hi')"},
                          want{"/style.css", "text/css; charset=utf-8", "body{color:red}"},
                          want{"/data.json", "application/json", "{}"}, want{"/logo.svg", "image/svg+xml", "<svg/>"},
                          want{"/app.js.map", "application/json", "{}"}}) {
        const auto r = http_get(s.port(), w.target);
        ASSERT_FALSE(r.ec) << w.target << ": " << r.ec.message();
        EXPECT_EQ(r.status(), 200u) << w.target;
        EXPECT_EQ(r.type(), w.type) << w.target;
        EXPECT_EQ(r.body(), w.body) << w.target;
        EXPECT_EQ(r.res["X-Content-Type-Options"], "nosniff");
    }
    const auto missing = http_get(s.port(), "/nope.js");
    EXPECT_EQ(missing.status(), 404u);
}

TEST_F(http_server, head_gives_the_length_without_the_body) {
    server s(config());
    const auto r = http_get(s.port(), "/app.js", http::verb::head);
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 200u);
    EXPECT_EQ(r.res[http::field::content_length], std::to_string(std::string_view("console.log('hi')").size()));
    EXPECT_EQ(r.type(), "text/javascript; charset=utf-8");
    EXPECT_TRUE(r.body().empty());
}

TEST_F(http_server, traversal_attempts_get_400_or_404_and_never_the_file) {
    server s(config());
    for (const char* target :
         {"/../secret.txt", "/../../../../etc/passwd", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
          "/..%5csecret.txt", "/%2e%2e%5csecret.txt", "/static/../../secret.txt", "//etc/passwd", "/%2fetc%2fpasswd",
          "/up/secret.txt", "/secret.txt%00.html", "/%00", "/.%2e/secret.txt"}) {
        const auto r = http_get(s.port(), target);
        ASSERT_FALSE(r.ec) << target << ": " << r.ec.message();
        EXPECT_TRUE(r.status() == 400u || r.status() == 404u) << target << " got " << r.status();
        EXPECT_EQ(r.body().find(secret), std::string::npos) << target;
        EXPECT_EQ(r.body().find("root:"), std::string::npos) << target;
    }
}

TEST_F(http_server, other_methods_get_405) {
    server s(config());
    for (auto verb : {http::verb::post, http::verb::put, http::verb::delete_}) {
        const auto r = http_get(s.port(), "/index.html", verb);
        ASSERT_FALSE(r.ec) << r.ec.message();
        EXPECT_EQ(r.status(), 405u);
        EXPECT_EQ(r.res[http::field::allow], "GET, HEAD");
    }
}

TEST_F(http_server, keeps_the_connection_alive_across_requests) {
    server s(config());
    client_io c;
    http_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    for (const char* target : {"/", "/healthz", "/nope", "/app.js", "/healthz"}) {
        const auto r = client.request(http::verb::get, target);
        ASSERT_FALSE(r.ec) << target << ": " << r.ec.message();
        EXPECT_NE(r.status(), 0u);
    }
    const auto last = client.request(http::verb::get, "/healthz", false);
    ASSERT_FALSE(last.ec);
    EXPECT_EQ(last.body(), "ok\n");
    EXPECT_TRUE(client.read_eof());  // Connection: close is honoured
    EXPECT_EQ(s.listen.stats().accepted, 1u);
    EXPECT_EQ(s.listen.stats().http_requests, 6u);
}

TEST_F(http_server, healthz_answers_ok) {
    server s(config());
    const auto r = http_get(s.port(), "/healthz");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 200u);
    EXPECT_EQ(r.body(), "ok\n");
    EXPECT_EQ(r.type(), "text/plain; charset=utf-8");
}

TEST_F(http_server, readyz_answers_what_the_readiness_callback_says) {
    std::atomic<bool> ready{false};
    std::mutex m;
    std::vector<std::thread> answerers;
    listener_callbacks cb;
    // Answers from another thread, as an actor's reply would.
    cb.readiness = [&](readiness_answer answer) {
        std::lock_guard lock(m);
        answerers.emplace_back([answer, r = ready.load()] { answer(r, r ? "" : "storage is starting"); });
    };
    server s(config(), cb);
    struct joiner {
        std::vector<std::thread>& threads;
        std::mutex& m;
        ~joiner() {
            std::lock_guard lock(m);
            for (auto& t : threads) t.join();
        }
    } join_before_the_server_goes{answerers, m};

    auto r = http_get(s.port(), "/readyz");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 503u);
    EXPECT_EQ(r.body(), "storage is starting\n");

    ready = true;
    r = http_get(s.port(), "/readyz");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 200u);
    EXPECT_EQ(r.body(), "ready\n");
}

TEST_F(http_server, readyz_is_503_when_the_callback_never_answers) {
    listener_callbacks cb;
    cb.readiness = [](readiness_answer) {};
    auto cfg = config();
    cfg.readiness_timeout = std::chrono::milliseconds(50);
    server s(cfg, cb);
    const auto r = http_get(s.port(), "/readyz");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 503u);
    EXPECT_EQ(r.body(), "readiness check timed out\n");
}

TEST_F(http_server, readyz_without_a_callback_is_ready) {
    server s(config());
    EXPECT_EQ(http_get(s.port(), "/readyz").status(), 200u);
}

TEST_F(http_server, metrics_renders_the_registry_with_the_edges_own_counters) {
    chatd::metrics::registry reg;
    reg.add_counter("chatd_test_total", "A test counter.").inc(3);
    listener_callbacks cb;
    cb.render_metrics = [&reg] { return reg.render(); };
    server s(config(), cb);
    s.listen.register_metrics(reg);
    ASSERT_EQ(http_get(s.port(), "/healthz").status(), 200u);

    const auto r = http_get(s.port(), "/metrics");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 200u);
    EXPECT_EQ(r.type(), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(r.body().find("chatd_test_total 3\n"), std::string::npos) << r.body();
    EXPECT_NE(r.body().find("chatd_ws_connections_open 0\n"), std::string::npos) << r.body();
    EXPECT_NE(r.body().find("chatd_ws_closed_total{reason=\"slow_consumer\"} 0\n"), std::string::npos) << r.body();
    EXPECT_NE(r.body().find("chatd_ws_upgrades_rejected_total{reason=\"capacity\"} 0\n"), std::string::npos);
    // This request and the /healthz before it.
    EXPECT_NE(r.body().find("chatd_http_requests_total 2\n"), std::string::npos) << r.body();
}

TEST_F(http_server, metrics_without_a_renderer_is_404) {
    server s(config());
    EXPECT_EQ(http_get(s.port(), "/metrics").status(), 404u);
}

TEST_F(http_server, ws_without_an_upgrade_gets_426) {
    server s(config());
    const auto r = http_get(s.port(), "/ws");
    EXPECT_EQ(r.status(), 426u);
    EXPECT_EQ(s.listen.stats().rejected_for(chatd::net::reject_reason::not_websocket), 1u);
}

TEST_F(http_server, an_upgrade_with_a_bad_key_gets_400_and_another_version_426) {
    server s(config());
    const auto upgrade = [&](std::string key, std::string version) {
        client_io c;
        http_client client(c);
        EXPECT_FALSE(client.connect(s.port()));
        http::request<http::string_body> req{http::verb::get, "/ws", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::connection, "Upgrade");
        req.set(http::field::upgrade, "websocket");
        req.set(http::field::sec_websocket_key, key);
        req.set(http::field::sec_websocket_version, version);
        return client.send(req);
    };
    const auto bad_key = upgrade("short", "13");
    EXPECT_EQ(bad_key.status(), 400u);
    const auto old_version = upgrade("dGhlIHNhbXBsZSBub25jZQ==", "8");
    EXPECT_EQ(old_version.status(), 426u);
    EXPECT_EQ(old_version.res[http::field::sec_websocket_version], "13");
    EXPECT_EQ(s.listen.stats().rejected_for(chatd::net::reject_reason::handshake), 2u);
    EXPECT_EQ(s.listen.open_connections(), 0u);
}

TEST_F(http_server, a_server_without_a_web_root_serves_no_files) {
    server s(test_config());
    EXPECT_EQ(http_get(s.port(), "/").status(), 404u);
    EXPECT_EQ(http_get(s.port(), "/healthz").status(), 200u);
}

TEST_F(http_server, an_http11_request_without_exactly_one_host_gets_400_and_is_closed) {
    server s(config());
    const auto get = [&](unsigned version, int hosts) {
        client_io c;
        http_client client(c);
        EXPECT_FALSE(client.connect(s.port()));
        http::request<http::string_body> req{http::verb::get, "/healthz", version};
        for (int i = 0; i < hosts; ++i) req.insert(http::field::host, "127.0.0.1");
        auto r = client.send(req);
        EXPECT_FALSE(r.ec) << r.ec.message();
        if (r.status() == 400u) {
            EXPECT_TRUE(client.read_eof()) << "HTTP/" << version << ", " << hosts << " Host";
        }
        return r.status();
    };
    EXPECT_EQ(get(11, 0), 400u);  // RFC 9112 3.2
    EXPECT_EQ(get(11, 2), 400u);
    EXPECT_EQ(get(10, 2), 400u);
    EXPECT_EQ(get(11, 1), 200u);
    EXPECT_EQ(get(10, 0), 200u);  // HTTP/1.0 may leave it out
}

// Waits (without sleeping) until `done` holds or `generous` passes.
template <class Pred>
bool eventually(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + generous;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

TEST_F(http_server, at_the_http_connection_limit_the_oldest_idle_connection_makes_room) {
    auto cfg = config();
    cfg.max_http_connections = 4;
    server s(cfg);
    client_io c;
    std::vector<std::unique_ptr<http_client>> held;
    for (std::uint64_t i = 0; i < cfg.max_http_connections; ++i) {
        held.push_back(std::make_unique<http_client>(c));
        ASSERT_FALSE(held.back()->connect(s.port()));
        ASSERT_EQ(held.back()->request(http::verb::get, "/healthz").status(), 200u);
        // Kept alive, waiting for its next request: idle, in this order.
        ASSERT_TRUE(eventually([&] { return s.listen.stats().http_idle == i + 1; }));
    }

    EXPECT_EQ(http_get(s.port(), "/healthz").status(), 200u);
    EXPECT_TRUE(held[0]->read_eof()) << "the oldest idle connection was not closed";
    for (std::size_t i = 1; i < held.size(); ++i)
        EXPECT_EQ(held[i]->request(http::verb::get, "/index.html").status(), 200u) << "connection " << i;
    const auto st = s.listen.stats();
    EXPECT_EQ(st.http_evicted, 1u);
    EXPECT_EQ(st.http_refused, 0u);
}

TEST_F(http_server, at_the_http_connection_limit_with_none_idle_a_new_connection_gets_503) {
    // Two connections stay mid-request: their /readyz waits for an answer.
    std::mutex m;
    std::vector<readiness_answer> pending;
    std::atomic<int> asked{0};
    listener_callbacks cb;
    cb.readiness = [&](readiness_answer a) {
        std::lock_guard lock(m);
        pending.push_back(std::move(a));
        asked.fetch_add(1);
    };
    auto cfg = config();
    cfg.max_http_connections = 2;
    server s(cfg, cb);
    client_io c;
    std::vector<std::unique_ptr<http_client>> busy;
    for (int i = 0; i < 2; ++i) {
        busy.push_back(std::make_unique<http_client>(c));
        ASSERT_FALSE(busy.back()->connect(s.port()));
        http::request<http::string_body> req{http::verb::get, "/readyz", 11};
        req.set(http::field::host, "127.0.0.1");
        ASSERT_FALSE(c.complete([&](auto h) { http::async_write(busy.back()->stream(), req, std::move(h)); }));
    }
    ASSERT_TRUE(eventually([&] { return asked.load() == 2; }));

    client_io c2;
    http_client refused(c2);
    ASSERT_FALSE(refused.connect(s.port()));
    const auto r = refused.request(http::verb::get, "/healthz");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 503u);
    EXPECT_TRUE(refused.read_eof());
    EXPECT_EQ(s.listen.stats().http_refused, 1u);
    EXPECT_EQ(s.listen.stats().http_evicted, 0u);
    // The answers hold the sessions: let them go before the server.
    std::lock_guard lock(m);
    for (auto& a : pending) a(true, "");
    pending.clear();
}

TEST_F(http_server, oversized_headers_get_431) {
    server s(config());
    client_io c;
    http_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    const auto r = client.request(http::verb::get, "/" + std::string(16 * 1024, 'a'));
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 431u);
}

// ---- /api/ ----------------------------------------------------------------------------

http_reply api_call(std::uint16_t port, http::verb method, std::string target, std::string body) {
    client_io c;
    http_client client(c);
    if (auto ec = client.connect(port)) return {ec, {}};
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer k");
    req.body() = std::move(body);
    req.prepare_payload();
    req.keep_alive(false);
    return client.send(req);
}

TEST_F(http_server, without_an_api_callback_every_api_path_is_404_in_json) {
    server s(config());
    for (const auto method : {http::verb::get, http::verb::post, http::verb::delete_}) {
        const auto r = api_call(s.port(), method, "/api/v1/rooms/general/messages", "{}");
        ASSERT_FALSE(r.ec) << r.ec.message();
        EXPECT_EQ(r.status(), 404u);
        EXPECT_EQ(r.type(), "application/json");
        EXPECT_EQ(r.body(), R"({"error":{"code":"not_found","message":"no such path"}})");
    }
}

TEST_F(http_server, the_api_callback_gets_the_request_and_its_answer_is_sent) {
    std::mutex m;
    std::vector<std::thread> answerers;
    chatd::net::api_request seen;
    listener_callbacks cb;
    // Answers from another thread, as an actor's reply would.
    cb.api = [&](chatd::net::api_request req, chatd::net::api_answer answer) {
        std::lock_guard lock(m);
        seen = req;
        answerers.emplace_back([answer] { answer({201, R"({"ok":true})", {{"Retry-After", "7"}}}); });
    };
    server s(config(), cb);
    const auto r = api_call(s.port(), http::verb::post, "/api/v1/x?y=1", R"({"text":"hi"})");
    {
        std::lock_guard lock(m);
        for (auto& t : answerers) t.join();
    }
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 201u);
    EXPECT_EQ(r.type(), "application/json");
    EXPECT_EQ(r.body(), R"({"ok":true})");
    EXPECT_EQ(r.res["Retry-After"], "7");
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.target, "/api/v1/x?y=1");
    EXPECT_EQ(seen.authorization, "Bearer k");
    EXPECT_EQ(seen.body, R"({"text":"hi"})");
}

TEST_F(http_server, api_bodies_have_their_own_limit_and_other_paths_keep_theirs) {
    listener_callbacks cb;
    cb.api = [](chatd::net::api_request req, chatd::net::api_answer answer) {
        answer({200, std::to_string(req.body.size()), {}});
    };
    auto cfg = config();
    cfg.http_body_limit = 1024;
    cfg.api_body_limit = 8 * 1024;
    server s(cfg, cb);
    auto r = api_call(s.port(), http::verb::post, "/api/v1/x", std::string(8 * 1024, 'a'));
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 200u);
    EXPECT_EQ(r.body(), "8192");
    r = api_call(s.port(), http::verb::post, "/api/v1/x", std::string(8 * 1024 + 1, 'a'));
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 413u);
    EXPECT_EQ(r.type(), "application/json");
    r = api_call(s.port(), http::verb::post, "/index.html", std::string(1025, 'a'));
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 413u);
}

TEST_F(http_server, an_api_request_that_expects_100_continue_gets_it_before_sending_its_body) {
    listener_callbacks cb;
    cb.api = [](chatd::net::api_request req, chatd::net::api_answer answer) { answer({200, req.body, {}}); };
    server s(config(), cb);
    client_io c;
    http_client client(c);
    ASSERT_FALSE(client.connect(s.port()));
    const std::string head =
        "POST /api/v1/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
    ASSERT_FALSE(c.complete([&](auto h) { asio::async_write(client.stream(), asio::buffer(head), std::move(h)); }));
    // Nothing of the body is sent until the server says to go on.
    std::string got(25, '\0');
    ASSERT_FALSE(c.complete([&](auto h) { asio::async_read(client.stream(), asio::buffer(got), std::move(h)); }));
    EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
    ASSERT_FALSE(c.complete([&](auto h) { asio::async_write(client.stream(), asio::buffer("hello", 5), std::move(h)); }));
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    ASSERT_FALSE(c.complete([&](auto h) { http::async_read(client.stream(), buf, res, std::move(h)); }));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "hello");
}

TEST_F(http_server, an_api_request_nobody_answers_gets_503) {
    listener_callbacks cb;
    cb.api = [](chatd::net::api_request, chatd::net::api_answer) {};
    auto cfg = config();
    cfg.api_timeout = std::chrono::milliseconds(50);
    server s(cfg, cb);
    const auto r = api_call(s.port(), http::verb::get, "/api/v1/x", {});
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.status(), 503u);
    EXPECT_NE(r.body().find(R"("code":"unavailable")"), std::string::npos);
}

}  // namespace
