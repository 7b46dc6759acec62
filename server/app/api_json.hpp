#pragma once

// The HTTP API's JSON and URL pieces: error bodies, the body of a posted
// line, a path segment and the history query. Decoded with simdjson and
// checked by the protocol's own rules (room names, text, client_id), so the
// API refuses exactly what a WebSocket client would be refused. Pure; any
// thread.

#include "net/listener.hpp"
#include "protocol/limits.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::app::api {

/// {"error":{"code":...,"message":...}} with `status`.
net::api_response error(unsigned status, std::string_view code, std::string_view message);

/// The body of POST /api/v1/rooms/{room}/messages.
struct post_body {
    std::string text;
    std::string client_id;  ///< "" when the body has none
};
/// The body decoded, or the 400 to answer (bad_json, missing_field,
/// wrong_type, text_empty, text_too_long, invalid_utf8, invalid_field).
std::optional<post_body> decode_post(std::string_view body, const protocol::limits& lim, net::api_response& refused);

/// A path segment with its %XX escapes decoded; nullopt for a bad escape.
std::optional<std::string> percent_decode(std::string_view segment);

/// Calls fn(name, value) for each name=value of a query string, in order
/// (value not decoded; "" for a bare name), until fn returns false.
bool for_each_param(std::string_view query, const std::function<bool(std::string_view, std::string_view)>& fn);

/// A whole number 0..max_safe_integer, digits only.
std::optional<std::uint64_t> parse_uint(std::string_view s);

/// ?before=&limit= of GET .../messages, checked as the WebSocket history's.
struct history_query {
    std::optional<std::uint64_t> before;
    std::uint32_t limit = protocol::default_history_limit;
};
std::optional<history_query> decode_history_query(std::string_view query, net::api_response& refused);

}  // namespace chatd::app::api
