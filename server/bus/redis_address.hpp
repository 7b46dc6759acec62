#pragma once

// Where the cluster bus is: `redis://host:port` (port 6379 when left out).

#include "act/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::bus {

struct redis_address {
    std::string host;
    std::uint16_t port = 6379;

    std::string to_string() const { return "redis://" + host + ":" + std::to_string(port); }
};

struct address_error {
    std::string message;
};

/// Parses `redis://host[:port]`; the error says what is wrong. Pure.
act::result<redis_address, address_error> parse_redis_address(std::string_view url);

}  // namespace chatd::bus
