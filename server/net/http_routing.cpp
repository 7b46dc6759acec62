#include "net/http_routing.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

namespace chatd::net::detail {

namespace http = boost::beast::http;

std::string_view path_of(std::string_view target) noexcept { return target.substr(0, target.find_first_of("?#")); }

bool is_api_path(std::string_view path) noexcept { return path == "/api" || path.starts_with("/api/"); }

http_route route_of(const upgrade_request& req) {
    // A request names its host exactly once in HTTP/1.1; HTTP/1.0 may leave
    // it out, but never give two.
    const auto hosts = req.count(http::field::host);
    if (hosts > 1 || (hosts == 0 && req.version() >= 11)) return http_route::bad_host;

    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = path_of(target);
    if (boost::beast::websocket::is_upgrade(req))
        return path == "/ws" ? http_route::websocket : http_route::upgrade_elsewhere;
    if (path == "/ws") return http_route::upgrade_required;
    if (is_api_path(path)) return http_route::api;  // every method: the API answers 405 itself
    if (req.method() != http::verb::get && req.method() != http::verb::head) return http_route::method_not_allowed;
    if (path == "/healthz") return http_route::healthz;
    if (path == "/readyz") return http_route::readyz;
    if (path == "/metrics") return http_route::metrics;
    return http_route::static_file;
}

}  // namespace chatd::net::detail
