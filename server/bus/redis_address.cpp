#include "bus/redis_address.hpp"

#include <charconv>

namespace chatd::bus {

act::result<redis_address, address_error> parse_redis_address(std::string_view url) {
    constexpr std::string_view scheme = "redis://";
    if (!url.starts_with(scheme)) return address_error{"the bus must be redis://host:port"};
    std::string_view rest = url.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    redis_address a;
    const auto colon = rest.rfind(':');
    std::string_view host = colon == std::string_view::npos ? rest : rest.substr(0, colon);
    if (host.empty() || host.find_first_of("/@?#") != std::string_view::npos)
        return address_error{"the bus needs a host (redis://host:port), without user, path or query"};
    a.host = std::string(host);
    if (colon != std::string_view::npos) {
        const std::string_view p = rest.substr(colon + 1);
        unsigned v = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (p.empty() || ec != std::errc{} || end != p.data() + p.size() || v == 0 || v > 65535)
            return address_error{"the bus port must be 1 to 65535"};
        a.port = static_cast<std::uint16_t>(v);
    }
    return a;
}

}  // namespace chatd::bus
