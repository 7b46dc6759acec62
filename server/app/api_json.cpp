#include "app/api_json.hpp"

#include "protocol/error_code.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/utf8.hpp"
#include "protocol/validate.hpp"

#include <simdjson.h>

#include <charconv>

namespace chatd::app::api {

namespace {
using protocol::error_code;

net::api_response bad_request(error_code code, std::string_view message) {
    return error(400, protocol::to_string(code), message);
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::uint64_t> parse_uint(std::string_view s) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n > protocol::max_safe_integer)
        return std::nullopt;
    return n;
}

bool for_each_param(std::string_view query, const std::function<bool(std::string_view, std::string_view)>& fn) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (!fn(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1)))
            return false;
    }
    return true;
}

net::api_response error(unsigned status, std::string_view code, std::string_view message) {
    protocol::json_writer w(64 + message.size());
    w.begin_object();
    w.key("error");
    w.begin_object();
    w.string_field("code", code);
    w.string_field("message", message);
    w.end_object();
    w.end_object();
    return {status, std::move(w).take(), {}};
}

std::optional<post_body> decode_post(std::string_view body, const protocol::limits& lim, net::api_response& refused) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (const auto err = parser.parse(body.data(), body.size()).get(root); err != simdjson::SUCCESS) {
        refused = err == simdjson::UTF8_ERROR ? bad_request(error_code::invalid_utf8, "the body is not valid UTF-8")
                                              : bad_request(error_code::bad_json, "the body is not JSON");
        return std::nullopt;
    }
    simdjson::dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) {
        refused = bad_request(error_code::bad_json, "the body is not a JSON object");
        return std::nullopt;
    }
    std::optional<simdjson::dom::element> text, client_id;
    for (const auto field : obj) {
        if (field.key != "text" && field.key != "client_id") continue;  // other keys are ignored
        auto& slot = field.key == "text" ? text : client_id;
        if (slot) {
            refused = bad_request(error_code::bad_json, "\"" + std::string(field.key) + "\" is given twice");
            return std::nullopt;
        }
        slot = field.value;
    }
    // null means absent, as on the WebSocket
    if (text && text->is_null()) text.reset();
    if (client_id && client_id->is_null()) client_id.reset();
    post_body out;
    std::string_view s;
    if (!text) {
        refused = bad_request(error_code::missing_field, "\"text\" is required");
        return std::nullopt;
    }
    if (text->get_string().get(s) != simdjson::SUCCESS) {
        refused = bad_request(error_code::wrong_type, "\"text\" must be a string");
        return std::nullopt;
    }
    if (s.empty()) {
        refused = bad_request(error_code::text_empty, "\"text\" is empty");
        return std::nullopt;
    }
    if (s.size() > lim.max_text_bytes) {
        refused = bad_request(error_code::text_too_long, "\"text\" is over " + std::to_string(lim.max_text_bytes) + " bytes");
        return std::nullopt;
    }
    if (!protocol::is_valid_utf8(s)) {
        refused = bad_request(error_code::invalid_utf8, "\"text\" is not valid UTF-8");
        return std::nullopt;
    }
    if (!protocol::is_storable(s)) {
        refused = bad_request(error_code::invalid_field, "\"text\" holds U+0000, which no store can keep");
        return std::nullopt;
    }
    out.text = std::string(s);
    if (client_id) {
        if (client_id->get_string().get(s) != simdjson::SUCCESS) {
            refused = bad_request(error_code::wrong_type, "\"client_id\" must be a string");
            return std::nullopt;
        }
        if (!protocol::is_valid_client_id(s)) {
            refused = bad_request(error_code::invalid_field, "\"client_id\" must be 1-64 bytes of [A-Za-z0-9_.:-]");
            return std::nullopt;
        }
        out.client_id = std::string(s);
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view segment) {
    std::string out;
    out.reserve(segment.size());
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] != '%') {
            out.push_back(segment[i]);
            continue;
        }
        if (i + 2 >= segment.size()) return std::nullopt;
        const int hi = hex_value(segment[i + 1]), lo = hex_value(segment[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::optional<history_query> decode_history_query(std::string_view query, net::api_response& refused) {
    history_query q;
    const bool ok = for_each_param(query, [&](std::string_view name, std::string_view value) {
        if (name == "before") {
            q.before = parse_uint(value);
            if (!q.before) refused = bad_request(error_code::invalid_field, "\"before\" must be a whole number");
            return q.before.has_value();
        }
        if (name == "limit") {
            const auto n = parse_uint(value);
            if (!n || *n < 1 || *n > protocol::max_history_limit) {
                refused = bad_request(error_code::invalid_field, "\"limit\" must be 1..100");
                return false;
            }
            q.limit = static_cast<std::uint32_t>(*n);
        }
        return true;  // other parameters are ignored, as unknown JSON keys are
    });
    if (!ok) return std::nullopt;
    return q;
}

}  // namespace chatd::app::api
