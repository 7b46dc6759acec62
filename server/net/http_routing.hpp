#pragma once

// Internal to net/: which answer a parsed HTTP request gets, decided from
// the request alone (no socket, no server state), so it is tested and
// fuzzed on its own. http_session.cpp acts on the route.

#include <utility>  // before Boost: see docs/architecture.md

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <string_view>

namespace chatd::net::detail {

using upgrade_request = boost::beast::http::request<boost::beast::http::string_body>;

enum class http_route : std::uint8_t {
    bad_host,            ///< HTTP/1.1 without exactly one Host, or several Hosts (RFC 9112 3.2): 400, closed
    websocket,           ///< an upgrade to /ws: checked further (key, version, Origin, capacity)
    upgrade_elsewhere,   ///< an upgrade to another path: 404
    upgrade_required,    ///< /ws without an upgrade: 426
    method_not_allowed,  ///< not GET or HEAD: 405
    healthz,
    readyz,
    metrics,
    api,          ///< any method under /api/: the API callback decides (404 without one)
    static_file,  ///< GET or HEAD of anything else: the web root decides
};

/// The path of a request target: what comes before '?' or '#'. Pure.
std::string_view path_of(std::string_view target) noexcept;

/// True for /api and every path under /api/. Pure.
bool is_api_path(std::string_view path) noexcept;

/// The route of a request Beast parsed. Pure; any thread.
http_route route_of(const upgrade_request& req);

}  // namespace chatd::net::detail
