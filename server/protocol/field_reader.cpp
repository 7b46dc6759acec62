#include "protocol/field_reader.hpp"

#include "protocol/limits.hpp"
#include "protocol/surrogate_scan.hpp"
#include "protocol/utf8.hpp"
#include "protocol/validate.hpp"

#include <utility>

namespace chatd::protocol::detail {

namespace {

using simdjson::dom::element_type;

constexpr std::array<std::string_view, key_count> key_names{
    "type", "id", "name", "token", "room", "since", "text", "client_id", "before", "limit",
    "kind", "topic", "users", "user", "until", "role", "seq", "emoji", "forget",
};

std::optional<key> find_key(std::string_view name) noexcept {
    for (std::size_t i = 0; i < key_names.size(); ++i) {
        if (key_names[i] == name) return static_cast<key>(i);
    }
    return std::nullopt;
}

std::string quoted(key k) {
    // Built by appends: GCC 12 warns falsely (-Wrestrict) on "\"" + std::string.
    std::string out;
    out.reserve(key_name(k).size() + 2);
    out.push_back('"');
    out.append(key_name(k));
    out.push_back('"');
    return out;
}

// A number no request integer can be, whatever its form: below 0 or above
// max_safe_integer.
bool out_of_range(const simdjson::dom::element& v) noexcept {
    double d = 0;
    if (v.get_double().get(d) != simdjson::SUCCESS) return false;
    return d < 0 || d > static_cast<double>(max_safe_integer);
}

}  // namespace

std::string_view key_name(key k) noexcept { return key_names[static_cast<std::size_t>(k)]; }

field_reader::field_reader(const simdjson::dom::object& obj, bool marked, bool server_room_names)
    : marked_(marked), server_room_names_(server_room_names) {
    std::array<bool, key_count> seen{};
    for (const simdjson::dom::key_value_pair field : obj) {
        const auto k = find_key(field.key);
        if (!k) continue;  // not ours: ignored, even when repeated
        const std::size_t i = index(*k);
        if (seen[i]) {
            if (!repeated_) repeated_ = *k;
            continue;
        }
        seen[i] = true;
        values_[i] = field.value;
        present_[i] = !field.value.is_null();
    }
}

void field_reader::fail(error_code code, std::string message) {
    if (error_) return;
    error_ = decode_error{.code = code, .id = id_read_ ? id_ : request_id{}, .message = std::move(message)};
}

void field_reader::read_id() {
    // A repeated key is ambiguous: parsers disagree on which one counts, so a
    // proxy or logger could see another request than we do. Refuse it.
    if (repeated_ == key::id) {
        fail(error_code::bad_json, "the key \"id\" appears more than once");
        return;
    }
    constexpr std::string_view bad_id = "\"id\" must be an integer 0..9007199254740991 or a string of at most 64 bytes";
    if (has(key::id)) {
        const simdjson::dom::element v = values_[index(key::id)];
        switch (v.type()) {
            case element_type::INT64: {
                std::int64_t n = 0;
                if (v.get_int64().get(n) != simdjson::SUCCESS || n < 0 ||
                    static_cast<std::uint64_t>(n) > max_safe_integer) {
                    fail(error_code::invalid_field, std::string(bad_id));
                    return;
                }
                id_ = static_cast<std::uint64_t>(n);
                break;
            }
            case element_type::UINT64:  // only integers above INT64_MAX are UINT64
                fail(error_code::invalid_field, std::string(bad_id));
                return;
            case element_type::DOUBLE:
                // 1e30 is out of range; 1.5 is not an integer.
                fail(out_of_range(v) ? error_code::invalid_field : error_code::wrong_type, std::string(bad_id));
                return;
            case element_type::STRING: {
                std::string_view s;
                if (v.get_string().get(s) != simdjson::SUCCESS) {
                    fail(error_code::wrong_type, std::string(bad_id));
                    return;
                }
                if (marked_ && s.find(lone_surrogate_marker) != std::string_view::npos) {
                    fail(error_code::invalid_utf8, "\"id\" holds an unpaired UTF-16 surrogate escape");
                    return;
                }
                if (s.size() > max_string_id_bytes) {
                    fail(error_code::invalid_field, std::string(bad_id));
                    return;
                }
                id_ = std::string(s);
                break;
            }
            default:
                fail(error_code::wrong_type, std::string(bad_id));
                return;
        }
    }
    id_read_ = true;
    if (repeated_) fail(error_code::bad_json, "the key " + quoted(*repeated_) + " appears more than once");
}

std::optional<std::string_view> field_reader::optional_string(key k) {
    if (failed() || !has(k)) return std::nullopt;
    std::string_view s;
    if (values_[index(k)].get_string().get(s) != simdjson::SUCCESS) {
        fail(error_code::wrong_type, quoted(k) + " must be a string");
        return std::nullopt;
    }
    if (marked_ && s.find(lone_surrogate_marker) != std::string_view::npos) {
        fail(error_code::invalid_utf8, quoted(k) + " holds an unpaired UTF-16 surrogate escape");
        return std::nullopt;
    }
    return s;
}

std::string_view field_reader::required_string(key k) {
    if (failed()) return {};
    if (!has(k)) {
        fail(error_code::missing_field, quoted(k) + " is required");
        return {};
    }
    return optional_string(k).value_or(std::string_view{});
}

std::optional<std::uint64_t> field_reader::optional_uint(key k) {
    if (failed() || !has(k)) return std::nullopt;
    const simdjson::dom::element v = values_[index(k)];
    switch (v.type()) {
        case element_type::INT64: {
            std::int64_t n = 0;
            if (v.get_int64().get(n) == simdjson::SUCCESS && n >= 0 && static_cast<std::uint64_t>(n) <= max_safe_integer) return static_cast<std::uint64_t>(n);
            break;
        }
        case element_type::UINT64:
            break;
        case element_type::DOUBLE:
            if (out_of_range(v)) break;  // 1e30, -1.5, and integers too big for 64 bits (see number_scan.hpp)
            // 5.0 and 5e0 are numbers but not integers: clients must send integers.
            fail(error_code::wrong_type, quoted(k) + " must be an integer, without fraction or exponent");
            return std::nullopt;
        default:
            fail(error_code::wrong_type, quoted(k) + " must be an integer");
            return std::nullopt;
    }
    fail(error_code::invalid_field, quoted(k) + " must be 0..9007199254740991");
    return std::nullopt;
}

std::uint64_t field_reader::required_uint(key k, std::uint64_t min) {
    if (failed()) return 0;
    if (!has(k)) {
        fail(error_code::missing_field, quoted(k) + " is required");
        return 0;
    }
    const std::uint64_t n = optional_uint(k).value_or(0);
    if (!failed() && n < min) {
        fail(error_code::invalid_field, quoted(k) + " must be " + std::to_string(min) + "..9007199254740991");
        return 0;
    }
    return n;
}

std::optional<bool> field_reader::optional_bool(key k) {
    if (failed() || !has(k)) return std::nullopt;
    bool b = false;
    if (values_[index(k)].get_bool().get(b) != simdjson::SUCCESS) {
        fail(error_code::wrong_type, quoted(k) + " must be true or false");
        return std::nullopt;
    }
    return b;
}

std::vector<std::string_view> field_reader::required_strings(key k, std::size_t max_count) {
    std::vector<std::string_view> out;
    if (failed()) return out;
    if (!has(k)) {
        fail(error_code::missing_field, quoted(k) + " is required");
        return out;
    }
    simdjson::dom::array list;
    if (values_[index(k)].get_array().get(list) != simdjson::SUCCESS) {
        fail(error_code::wrong_type, quoted(k) + " must be an array of strings");
        return out;
    }
    if (list.size() < 1 || list.size() > max_count) {
        fail(error_code::invalid_field, quoted(k) + " must hold 1-" + std::to_string(max_count) + " entries");
        return out;
    }
    out.reserve(list.size());
    for (const simdjson::dom::element e : list) {
        std::string_view s;
        if (e.get_string().get(s) != simdjson::SUCCESS) {
            fail(error_code::wrong_type, quoted(k) + " must be an array of strings");
            return {};
        }
        if (marked_ && s.find(lone_surrogate_marker) != std::string_view::npos) {
            fail(error_code::invalid_utf8, quoted(k) + " holds an unpaired UTF-16 surrogate escape");
            return {};
        }
        out.push_back(s);
    }
    return out;
}

std::string_view field_reader::room() {
    const std::string_view r = required_string(key::room);
    if (failed()) return {};
    if (!server_room_names_ && !is_public_room_name(r)) {
        fail(error_code::invalid_field, "\"room\" must be 1-64 bytes of [A-Za-z0-9_.-], not starting with '.'");
        return {};
    }
    if (!is_valid_room_name(r)) {
        fail(error_code::invalid_field,
             "\"room\" must be 1-64 bytes of [A-Za-z0-9_.-] not starting with '.', or '!' and 1-64 of [a-z0-9]");
        return {};
    }
    return r;
}

std::string_view field_reader::text(std::size_t max_bytes) {
    const std::string_view t = required_string(key::text);
    if (failed()) return {};
    if (t.empty()) {
        fail(error_code::text_empty, "\"text\" is empty");
        return {};
    }
    if (t.size() > max_bytes) {
        fail(error_code::text_too_long, "\"text\" is over " + std::to_string(max_bytes) + " bytes");
        return {};
    }
    // simdjson has validated the frame's UTF-8 and its escapes already; this
    // is the check that does not depend on that.
    if (!is_valid_utf8(t)) {
        fail(error_code::invalid_utf8, "\"text\" is not valid UTF-8");
        return {};
    }
    if (!is_storable(t)) {
        fail(error_code::invalid_field, "\"text\" holds U+0000, which no store can keep");
        return {};
    }
    return t;
}

std::string_view field_reader::client_id() {
    const std::string_view c = required_string(key::client_id);
    if (!failed() && !is_valid_client_id(c)) {
        fail(error_code::invalid_field, "\"client_id\" must be 1-64 bytes of [A-Za-z0-9_.:-]");
        return {};
    }
    return c;
}

std::string_view field_reader::user(key k) {
    const std::string_view u = required_string(k);
    if (failed() || !check_user(k, u)) return {};
    return u;
}

bool field_reader::check_user(key k, std::string_view user) {
    if (failed()) return false;
    if (!is_valid_utf8(user)) {
        fail(error_code::invalid_utf8, quoted(k) + " is not valid UTF-8");
        return false;
    }
    if (!is_valid_user_id(user)) {
        fail(error_code::invalid_field,
             quoted(k) + " must be a user id: 1-32 bytes of printable UTF-8 with no leading or trailing space, "
                         "optionally after \"guest:\"");
        return false;
    }
    return true;
}

}  // namespace chatd::protocol::detail
