#pragma once

// A small WebSocket client for end-to-end tests: a real Beast client on its
// own io_context. Every wait is bounded (run_for), nothing sleeps.

#include <utility>  // before Boost (docs/architecture.md)

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chatd::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

/// A field of a JSON frame as text (strings unquoted); "<absent>" if missing.
inline std::string json_field(const std::string& json, const char* key) {
    simdjson::dom::parser p;
    simdjson::dom::element root, v;
    if (p.parse(json).get(root) != simdjson::SUCCESS) return "<bad json>";
    if (root[key].get(v) != simdjson::SUCCESS) return "<absent>";
    if (v.is_string()) return std::string(v.get_string().value());
    return simdjson::minify(v);
}

/// GET over plain HTTP/1.1: the status and the body.
inline std::pair<int, std::string> http_get(std::uint16_t port, const std::string& target) {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    tcp::resolver resolver(ioc);
    stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buf, res);
    return {static_cast<int>(res.result_int()), res.body()};
}

class ws_client {
public:
    explicit ws_client(std::uint16_t port, std::string origin = {}) : ws_(ioc_) {
        tcp::resolver resolver(ioc_);
        auto endpoints = resolver.resolve("127.0.0.1", std::to_string(port));
        ws_.next_layer().connect(endpoints);
        if (!origin.empty())
            ws_.set_option(websocket::stream_base::decorator(
                [origin](websocket::request_type& req) { req.set(beast::http::field::origin, origin); }));
        ws_.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    }

    void send(const std::string& text) {
        ws_.text(true);
        ws_.write(boost::asio::buffer(text));
    }
    /// Like send, but a write the server cut short (it closed first) is
    /// reported as false instead of thrown.
    bool try_send(const std::string& text) {
        beast::error_code ec;
        ws_.text(true);
        ws_.write(boost::asio::buffer(text), ec);
        if (ec) closed_ = true;
        return !ec;
    }
    /// Sends a WebSocket ping; false once the server has cut the connection.
    bool try_ping(const std::string& payload) {
        beast::error_code ec;
        ws_.ping(websocket::ping_data(payload.c_str()), ec);
        if (ec) closed_ = true;
        return !ec;
    }
    void send_binary(const std::string& bytes) {
        ws_.binary(true);
        ws_.write(boost::asio::buffer(bytes));
    }

    /// The next frame, or nullopt when the connection closed or nothing came in time.
    std::optional<std::string> next(std::chrono::seconds within = std::chrono::seconds(10)) {
        if (closed_) return std::nullopt;
        beast::flat_buffer buf;
        bool done = false;
        beast::error_code ec;
        ws_.async_read(buf, [&](beast::error_code e, std::size_t) {
            ec = e;
            done = true;
        });
        ioc_.restart();
        ioc_.run_for(within);
        if (!done) {  // nothing in time: give up on this connection
            beast::get_lowest_layer(ws_).close();
            ioc_.restart();
            ioc_.run_for(std::chrono::seconds(5));
            closed_ = true;
            return std::nullopt;
        }
        if (ec) {
            closed_ = true;
            close_code_ = ws_.reason().code;
            return std::nullopt;
        }
        return beast::buffers_to_string(buf.data());
    }

    /// Reads until a frame of `type` arrives (others are kept in seen()).
    std::optional<std::string> wait_for(const std::string& type) {
        while (auto f = next()) {
            seen_.push_back(*f);
            if (json_field(*f, "type") == type) return f;
        }
        return std::nullopt;
    }

    /// Reads until the server closes; returns its close code (0 if none came).
    std::uint16_t wait_closed() {
        while (next()) {
        }
        return close_code_;
    }

    const std::vector<std::string>& seen() const noexcept { return seen_; }
    bool closed() const noexcept { return closed_; }

    /// Sends identify and waits for the reply.
    void identify(const std::string& name) {
        send(R"({"type":"identify","id":1,"name":")" + name + R"("})");
        wait_for("identified");
    }

private:
    boost::asio::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    bool closed_ = false;
    std::uint16_t close_code_ = 0;
    std::vector<std::string> seen_;
};

/// Sends `request` and returns the reply: the next frame of type `type` or
/// an error ("<closed>" if none came).
inline std::string ask(ws_client& c, const std::string& request, const std::string& type) {
    c.send(request);
    while (auto f = c.next()) {
        const std::string t = json_field(*f, "type");
        if (t == type || t == "error") return *f;
    }
    return "<closed>";
}

}  // namespace chatd::test
