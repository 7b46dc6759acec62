#pragma once

// An HTTP client for the API's e2e tests (docs/api.md): one request per
// connection, and a fixture that starts chatd with a key.

#include "app/api_keys.hpp"
#include "auth/jwt.hpp"
#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

namespace chatd::test {

namespace http = boost::beast::http;

inline const std::string key = "k-0123456789abcdef0123456789abcdef";

struct reply {
    int status = 0;
    std::string body;
    http::fields headers;
    std::string code() const { return json_field(json_field(body, "error"), "code"); }
};

/// One request on a fresh connection; `auth` is the Authorization header ("" for none).
inline reply call(std::uint16_t port, http::verb method, const std::string& target, const std::string& body = {},
                  const std::string& auth = "Bearer " + key) {
    boost::asio::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.connect(tcp::resolver(ioc).resolve("127.0.0.1", std::to_string(port)));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    return {static_cast<int>(res.result_int()), res.body(), res.base()};
}

inline std::string messages_of(const std::string& room) { return "/api/v1/rooms/" + room + "/messages"; }

class api : public server_fixture {
protected:
    static constexpr const char* secret = "s3cret";

    void start_with_key() {
        std::ofstream(dir_ / "keys") << "# the backend's key\n\n" << key << "\n";
        cfg_.api.keys = std::make_shared<const app::api_keys>(app::api_keys::load(dir_ / "keys"));
        start();
    }
    /// With the room model on and token sign-in (guests cannot be in a
    /// private room): what an app with private rooms runs.
    void start_with_rooms() {
        cfg_.session.limits.product_requests = true;
        cfg_.session.jwt_secret = secret;
        start_with_key();
    }

    /// A client signed in as `user` (a token), in no room.
    std::unique_ptr<ws_client> signed_in(const std::string& user) { return signed_in_with(user, {}); }

    /// A client signed in as `user` with a token that also carries `claims`
    /// (as `"rooms":{...}`, docs/protocol.md), in no room.
    std::unique_ptr<ws_client> signed_in_with(const std::string& user, const std::string& claims) {
        auto c = std::make_unique<ws_client>(port());
        const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                             (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch())
                             .count();
        const auto tok = auth::sign_hs256_payload(R"({"sub":")" + user + R"(","exp":)" + std::to_string(exp) +
                                                      (claims.empty() ? "" : "," + claims) + "}",
                                                  secret);
        c->send(R"({"type":"identify","id":1,"token":")" + tok + R"("})");
        EXPECT_TRUE(c->wait_for("identified").has_value()) << user;
        return c;
    }

    /// A client signed in as `user` (a token) that has joined `room`.
    std::unique_ptr<ws_client> signed_in(const std::string& user, const std::string& room) {
        auto c = signed_in(user);
        c->send(R"({"type":"join","id":2,"room":")" + room + R"("})");
        EXPECT_TRUE(c->wait_for("joined").has_value()) << user << " could not join " << room;
        return c;
    }
};

}  // namespace chatd::test
