#pragma once

// Helpers for the network edge's tests: a server on 127.0.0.1 port 0 run
// by two io threads, handlers that record what their connection reads,
// a log sink to wait on, a throw-away web root, and clients (Beast, on a
// private io_context) whose every operation is bounded by `generous`.
// No sleeps: every wait is on an event, with a deadline.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/asio_executor.hpp"
#include "net/connection_handler.hpp"
#include "net/listener.hpp"
#include "net/net_config.hpp"
#include "net/ws_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

/// Long enough for any machine, sanitizers included; a test that needs it
/// has failed anyway.
inline constexpr auto generous = std::chrono::seconds(30);

inline std::shared_ptr<const std::string> frame(std::string s) {
    return std::make_shared<const std::string>(std::move(s));
}

// ---- logs --------------------------------------------------------------------------

/// Keeps every log line; wait_for() waits for one containing a text.
class capture_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    bool wait_for(std::string_view text) {
        std::unique_lock lock(lines_mutex_);
        return cv_.wait_for(lock, generous, [&] { return contains(text); });
    }
    bool has(std::string_view text) {
        std::lock_guard lock(lines_mutex_);
        return contains(text);
    }
    /// Every line so far, for a failure message.
    std::string all() {
        std::lock_guard lock(lines_mutex_);
        std::string out;
        for (const auto& l : lines_) out += l + "\n";
        return out;
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        {
            std::lock_guard lock(lines_mutex_);
            lines_.emplace_back(msg.payload.data(), msg.payload.size());
        }
        cv_.notify_all();
    }
    void flush_() override {}

private:
    bool contains(std::string_view text) const {
        for (const auto& l : lines_)
            if (l.find(text) != std::string::npos) return true;
        return false;
    }

    std::mutex lines_mutex_;
    std::condition_variable cv_;
    std::vector<std::string> lines_;
};

// ---- handlers ----------------------------------------------------------------------

/// A connection_handler that records frames and the close, and echoes
/// every frame back if asked. The test thread waits on it.
class recorder final : public connection_handler {
public:
    recorder(std::shared_ptr<ws_connection> c, const request_facts& facts, bool echo)
        : conn(std::move(c)), target(facts.target), origin(facts.origin), echo_(echo) {}

    void on_text(std::string f) override {
        if (echo_) conn->send(frame(f));
        std::lock_guard lock(mutex_);
        frames_.push_back(std::move(f));
        cv_.notify_all();
    }
    void on_closed(close_info why) override {
        std::lock_guard lock(mutex_);
        closed_ = std::move(why);
        ++closed_calls_;
        cv_.notify_all();
    }

    /// The close, once on_closed has been called (nullopt after `generous`).
    std::optional<close_info> wait_closed() {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, generous, [&] { return closed_.has_value(); });
        return closed_;
    }
    bool wait_frames(std::size_t n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, generous, [&] { return frames_.size() >= n; });
    }
    std::vector<std::string> frames() {
        std::lock_guard lock(mutex_);
        return frames_;
    }
    int closed_calls() {
        std::lock_guard lock(mutex_);
        return closed_calls_;
    }

    // Kept for the test (send, close). It makes a cycle with the
    // connection, which holds its handler until on_closed; session_log
    // breaks it for connections still open when the server goes.
    std::shared_ptr<ws_connection> conn;
    const std::string target;  // as the factory saw them
    const std::string origin;

private:
    const bool echo_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::string> frames_;
    std::optional<close_info> closed_;
    int closed_calls_ = 0;
};

/// The session factory: one recorder per connection, in upgrade order.
class session_log {
public:
    explicit session_log(bool echo) : echo_(echo) {}
    ~session_log() {
        for (auto& r : made_) r->conn.reset();
    }
    session_log(const session_log&) = delete;
    session_log& operator=(const session_log&) = delete;

    session_factory factory() {
        return [this](std::shared_ptr<ws_connection> c, const request_facts& facts) {
            auto r = std::make_shared<recorder>(std::move(c), facts, echo_);
            {
                std::lock_guard lock(mutex_);
                made_.push_back(r);
            }
            cv_.notify_all();
            return r;
        };
    }
    /// The i-th session made (nullptr after `generous`).
    std::shared_ptr<recorder> wait_for(std::size_t i) {
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, generous, [&] { return made_.size() > i; });
        return made_.size() > i ? made_[i] : nullptr;
    }

private:
    const bool echo_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::shared_ptr<recorder>> made_;
};

// ---- the server --------------------------------------------------------------------

/// A throw-away directory, removed at scope exit.
class temp_dir {
public:
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "chatd-net-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    void write(const std::filesystem::path& rel, std::string_view content) const {
        std::filesystem::create_directories((path_ / rel).parent_path());
        std::ofstream(path_ / rel, std::ios::binary) << content;
    }

private:
    std::filesystem::path path_;
};

inline net_config test_config() {
    net_config c;
    c.address = "127.0.0.1";
    c.port = 0;
    c.close_timeout = generous;
    c.accept_backoff = std::chrono::milliseconds(20);
    return c;
}

/// A started listener on 127.0.0.1, an ephemeral port and two io threads,
/// logging into `sink`. Without a make_session callback, connections get
/// recorders from `sessions` (echoing unless told not to). Destroyed in
/// the order: io threads, listener, sessions, io_context.
class server {
public:
    explicit server(net_config cfg, listener_callbacks cb = {}, bool echo = true)
        : sink(std::make_shared<capture_sink>()),
          sessions(echo),
          listen(io, std::move(cfg), complete(std::move(cb))),
          threads(io, 2, "net-test") {
        listen.start();
    }

    std::uint16_t port() const { return listen.port(); }

    std::shared_ptr<capture_sink> sink;
    asio::io_context io;
    session_log sessions;
    listener listen;
    io_threads threads;

private:
    listener_callbacks complete(listener_callbacks cb) {
        auto log = std::make_shared<spdlog::logger>("net-test", sink);
        log->set_level(spdlog::level::debug);
        cb.logger = std::move(log);
        if (!cb.make_session) cb.make_session = sessions.factory();
        return cb;
    }
};

// ---- clients -----------------------------------------------------------------------

/// A private io_context for clients, run by the test thread one bounded
/// operation at a time.
class client_io {
public:
    /// Starts an operation with `start(handler)` and runs until it
    /// completes; asio::error::timed_out if it took longer than `generous`
    /// (the operation is then left pending: the test has failed).
    template <class Start>
    error_code complete(Start start) {
        auto result = std::make_shared<std::optional<error_code>>();
        start([result](error_code ec, auto&&...) { *result = ec; });
        io.restart();
        const auto deadline = std::chrono::steady_clock::now() + generous;
        while (!result->has_value())
            if (io.run_one_until(deadline) == 0) break;
        return result->value_or(asio::error::timed_out);
    }

    asio::io_context io;
};

inline tcp::endpoint local(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

struct http_reply {
    error_code ec;
    http::response<http::string_body> res;
    unsigned status() const { return res.result_int(); }
    std::string type() const { return std::string(res[http::field::content_type]); }
    const std::string& body() const { return res.body(); }
};

/// One HTTP/1.1 connection; requests are sent one at a time, kept alive.
class http_client {
public:
    explicit http_client(client_io& c) : c_(c), stream_(c.io) {}

    error_code connect(std::uint16_t port) {
        return c_.complete([&](auto h) { stream_.async_connect(local(port), std::move(h)); });
    }

    http_reply request(http::verb method, std::string target, bool keep_alive = true) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.keep_alive(keep_alive);
        return send(req);
    }

    /// Sends `req` as it is (a Host header is the caller's) and reads the response.
    http_reply send(const http::request<http::string_body>& req) {
        const auto method = req.method();
        http_reply r;
        r.ec = c_.complete([&](auto h) { http::async_write(stream_, req, std::move(h)); });
        if (r.ec) return r;
        http::response_parser<http::string_body> parser;
        parser.skip(method == http::verb::head);  // a HEAD response has no body
        parser.body_limit(64 * 1024 * 1024);
        r.ec = c_.complete([&](auto h) { http::async_read(stream_, buffer_, parser, std::move(h)); });
        if (!r.ec) r.res = parser.release();
        return r;
    }

    /// Reads until the server closes (true) or an error/timeout (false).
    bool read_eof() {
        char byte = 0;
        const auto ec =
            c_.complete([&](auto h) { stream_.socket().async_read_some(asio::buffer(&byte, 1), std::move(h)); });
        return ec == asio::error::eof;
    }

    beast::tcp_stream& stream() { return stream_; }

private:
    client_io& c_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

/// One request on a fresh connection.
inline http_reply http_get(std::uint16_t port, std::string target, http::verb method = http::verb::get) {
    client_io c;
    http_client client(c);
    if (auto ec = client.connect(port)) return {ec, {}};
    return client.request(method, std::move(target), false);
}

struct ws_read {
    error_code ec;
    std::string text;
};

/// A WebSocket client.
class ws_client {
public:
    explicit ws_client(client_io& c) : c_(c), ws_(c.io) {}

    /// Connects and upgrades. A refused upgrade ends with
    /// websocket::error::upgrade_declined, and refusal() holds the response.
    error_code connect(std::uint16_t port, std::string target = "/ws", std::optional<std::string> origin = {}) {
        if (auto ec = c_.complete([&](auto h) { beast::get_lowest_layer(ws_).async_connect(local(port), std::move(h)); }))
            return ec;
        if (origin)
            ws_.set_option(websocket::stream_base::decorator(
                [o = *origin](websocket::request_type& req) { req.set(http::field::origin, o); }));
        return c_.complete([&](auto h) { ws_.async_handshake(refusal_, "127.0.0.1", target, std::move(h)); });
    }

    error_code write(const std::string& text, bool binary = false) {
        ws_.binary(binary);
        return c_.complete([&](auto h) { ws_.async_write(asio::buffer(text), std::move(h)); });
    }

    ws_read read() {
        beast::flat_buffer b;
        ws_read r;
        r.ec = c_.complete([&](auto h) { ws_.async_read(b, std::move(h)); });
        if (!r.ec) r.text = beast::buffers_to_string(b.data());
        return r;
    }

    error_code close(std::uint16_t code) {
        return c_.complete(
            [&](auto h) { ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code)), std::move(h)); });
    }

    /// The close code the server sent, once a read ended with closed.
    std::uint16_t close_code() const { return static_cast<std::uint16_t>(ws_.reason().code); }
    const websocket::response_type& refusal() const { return refusal_; }
    websocket::stream<beast::tcp_stream>& stream() { return ws_; }

private:
    client_io& c_;
    websocket::stream<beast::tcp_stream> ws_;
    websocket::response_type refusal_;
};

}  // namespace chatd::net::test
