#pragma once

// Internal to the decoder: reads the fields of one parsed request. Kept apart
// from decoder.hpp so that only the decoder's sources see simdjson.

#include "protocol/decode_result.hpp"

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::protocol::detail {

/// The keys the protocol reads. Every other key is ignored.
enum class key : std::uint8_t {
    type, id, name, token, room, since, text, client_id, before, limit,
    kind, topic, users, user, until, role, seq, emoji, forget,
};
inline constexpr std::size_t key_count = 19;

/// The key as it is spelled on the wire.
std::string_view key_name(key k) noexcept;

/// Reads the fields of one request object, for one decode() call.
/// The first failure sticks: later reads do nothing and return empty values,
/// so a caller reads every field it needs, in the order errors should be
/// reported, and checks failed() once.
class field_reader {
public:
    /// `marked`: the frame had lone surrogate escapes neutralised (see
    /// surrogate_scan.hpp), so a string holding the marker is invalid_utf8.
    /// `server_room_names`: room() takes server-assigned names ('!...') too,
    /// not only public ones (limits::product_requests).
    field_reader(const simdjson::dom::object& obj, bool marked, bool server_room_names);

    /// Reads "id", then reports a repeated protocol key (with the id, unless
    /// "id" is the repeated one). Call it first.
    void read_id();
    const request_id& id() const noexcept { return id_; }

    bool failed() const noexcept { return error_.has_value(); }
    /// The failure. Only when failed().
    decode_error take_error() { return std::move(*error_); }
    /// Records a failure (unless one is already recorded), with the id if read.
    void fail(error_code code, std::string message);

    /// True when the key is present and not null: null means absent.
    bool has(key k) const noexcept { return present_[index(k)]; }

    /// The string, or nullopt when absent. Fails on a non-string or a marked string.
    std::optional<std::string_view> optional_string(key k);
    /// As optional_string, but absent fails with missing_field.
    std::string_view required_string(key k);
    /// An integer 0..max_safe_integer, or nullopt when absent.
    std::optional<std::uint64_t> optional_uint(key k);
    /// As optional_uint, but absent fails with missing_field, and below
    /// `min` with invalid_field.
    std::uint64_t required_uint(key k, std::uint64_t min = 0);
    /// true or false, or nullopt when absent.
    std::optional<bool> optional_bool(key k);
    /// A required array of 1..max_count strings, each checked as by
    /// optional_string. Views into the parsed frame.
    std::vector<std::string_view> required_strings(key k, std::size_t max_count);
    /// "room", required and a valid room name.
    std::string_view room();
    /// "text", required: 1..max_bytes of valid UTF-8 with no U+0000 (text_empty,
    /// text_too_long, invalid_utf8, invalid_field).
    std::string_view text(std::size_t max_bytes);
    /// "client_id", required and valid (is_valid_client_id).
    std::string_view client_id();
    /// A required user id (is_valid_user_id) in `k`.
    std::string_view user(key k);
    /// Checks one string of `k` as a user id; fails and returns false when it is not.
    bool check_user(key k, std::string_view user);

private:
    static std::size_t index(key k) noexcept { return static_cast<std::size_t>(k); }

    std::array<simdjson::dom::element, key_count> values_{};
    std::array<bool, key_count> present_{};
    std::optional<key> repeated_;  // the first protocol key seen twice
    bool marked_ = false;
    bool server_room_names_ = false;
    request_id id_;
    bool id_read_ = false;
    std::optional<decode_error> error_;
};

}  // namespace chatd::protocol::detail
