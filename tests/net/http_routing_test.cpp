// Which answer a request gets, decided from the request alone.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/http_routing.hpp"

#include <boost/beast/http/field.hpp>
#include <gtest/gtest.h>

namespace {

namespace http = boost::beast::http;
using chatd::net::detail::http_route;
using chatd::net::detail::path_of;
using chatd::net::detail::route_of;
using chatd::net::detail::upgrade_request;

upgrade_request request(http::verb method, const char* target, int hosts = 1, unsigned version = 11) {
    upgrade_request req{method, target, version};
    for (int i = 0; i < hosts; ++i) req.insert(http::field::host, "chat.example.com");
    return req;
}

TEST(http_routing, each_path_and_method_has_its_route) {
    EXPECT_EQ(route_of(request(http::verb::get, "/healthz")), http_route::healthz);
    EXPECT_EQ(route_of(request(http::verb::head, "/readyz?x=1")), http_route::readyz);
    EXPECT_EQ(route_of(request(http::verb::get, "/metrics#top")), http_route::metrics);
    EXPECT_EQ(route_of(request(http::verb::get, "/app.js")), http_route::static_file);
    EXPECT_EQ(route_of(request(http::verb::post, "/healthz")), http_route::method_not_allowed);
    EXPECT_EQ(route_of(request(http::verb::get, "/ws")), http_route::upgrade_required);
    EXPECT_EQ(path_of("/a/b?c#d"), "/a/b");
}

TEST(http_routing, every_method_under_api_goes_to_the_api) {
    for (const auto method : {http::verb::get, http::verb::post, http::verb::delete_, http::verb::put})
        EXPECT_EQ(route_of(request(method, "/api/v1/rooms/x/messages?limit=2")), http_route::api);
    EXPECT_EQ(route_of(request(http::verb::get, "/api")), http_route::api);
    EXPECT_EQ(route_of(request(http::verb::get, "/apis.html")), http_route::static_file);
    EXPECT_EQ(route_of(request(http::verb::post, "/apis.html")), http_route::method_not_allowed);
}

TEST(http_routing, upgrades_go_to_ws_only) {
    auto req = request(http::verb::get, "/ws?room=x");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::upgrade, "websocket");
    EXPECT_EQ(route_of(req), http_route::websocket);
    req.target("/other");
    EXPECT_EQ(route_of(req), http_route::upgrade_elsewhere);
}

TEST(http_routing, http11_needs_exactly_one_host_and_no_request_may_have_two) {
    EXPECT_EQ(route_of(request(http::verb::get, "/healthz", 0)), http_route::bad_host);
    EXPECT_EQ(route_of(request(http::verb::get, "/healthz", 2)), http_route::bad_host);
    EXPECT_EQ(route_of(request(http::verb::get, "/healthz", 2, 10)), http_route::bad_host);
    EXPECT_EQ(route_of(request(http::verb::get, "/healthz", 0, 10)), http_route::healthz);
}

}  // namespace
