#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chatd::protocol {

/// The "code" of an error reply. The snake_case names (to_string) are the
/// wire contract: clients switch on them, so a name never changes meaning and
/// is never reused. Add new codes at the end.
enum class error_code : std::uint8_t {
    // Produced by the decoder: the frame itself is wrong.
    bad_json,            ///< not JSON, not an object, or a repeated protocol key
    unknown_type,        ///< "type" names no request
    missing_field,       ///< a required field is absent (or null)
    wrong_type,          ///< a field has the wrong JSON type (e.g. room is a number)
    invalid_field,       ///< a field has the right type but a bad value
    text_too_long,       ///< send.text is over the server's max_text_bytes
    text_empty,          ///< send.text is ""
    invalid_utf8,        ///< a string is not valid UTF-8 (e.g. an escaped lone surrogate)
    frame_too_large,     ///< the frame is over the server's max_frame_bytes
    // Produced by the server: the request is well-formed but refused.
    not_identified,      ///< the request needs an identify first
    already_identified,  ///< a second identify on the same connection
    auth_failed,         ///< the token was rejected
    guests_not_allowed,  ///< a guest identify where the server requires tokens
    not_in_room,         ///< the request names a room the session has not joined
    too_many_rooms,      ///< a join over the per-connection room limit
    rate_limited,        ///< too many requests; this one was dropped
    unavailable,         ///< storage is not ready; try again later
    internal,            ///< a server bug or failure; the request may not have happened
    not_found,           ///< no such room (or not one the user may see), or no such line
    forbidden,           ///< the user's role in the room does not allow it
    banned,              ///< the user is banned from the room
    muted,               ///< the user is muted in the room
    room_exists,         ///< create_room of a name that is taken
};

/// Every code, in declaration order. Pure; any thread.
inline constexpr std::array all_error_codes{
    error_code::bad_json,
    error_code::unknown_type,
    error_code::missing_field,
    error_code::wrong_type,
    error_code::invalid_field,
    error_code::text_too_long,
    error_code::text_empty,
    error_code::invalid_utf8,
    error_code::frame_too_large,
    error_code::not_identified,
    error_code::already_identified,
    error_code::auth_failed,
    error_code::guests_not_allowed,
    error_code::not_in_room,
    error_code::too_many_rooms,
    error_code::rate_limited,
    error_code::unavailable,
    error_code::internal,
    error_code::not_found,
    error_code::forbidden,
    error_code::banned,
    error_code::muted,
    error_code::room_exists,
};

/// The stable wire name of a code. Pure; any thread.
constexpr std::string_view to_string(error_code c) noexcept {
    switch (c) {
        case error_code::bad_json: return "bad_json";
        case error_code::unknown_type: return "unknown_type";
        case error_code::missing_field: return "missing_field";
        case error_code::wrong_type: return "wrong_type";
        case error_code::invalid_field: return "invalid_field";
        case error_code::text_too_long: return "text_too_long";
        case error_code::text_empty: return "text_empty";
        case error_code::invalid_utf8: return "invalid_utf8";
        case error_code::frame_too_large: return "frame_too_large";
        case error_code::not_identified: return "not_identified";
        case error_code::already_identified: return "already_identified";
        case error_code::auth_failed: return "auth_failed";
        case error_code::guests_not_allowed: return "guests_not_allowed";
        case error_code::not_in_room: return "not_in_room";
        case error_code::too_many_rooms: return "too_many_rooms";
        case error_code::rate_limited: return "rate_limited";
        case error_code::unavailable: return "unavailable";
        case error_code::internal: return "internal";
        case error_code::not_found: return "not_found";
        case error_code::forbidden: return "forbidden";
        case error_code::banned: return "banned";
        case error_code::muted: return "muted";
        case error_code::room_exists: return "room_exists";
    }
    return "internal";
}

/// The code with that wire name, for clients (the load generator) reading
/// error replies. Pure; any thread.
constexpr std::optional<error_code> error_code_from_string(std::string_view s) noexcept {
    for (const error_code c : all_error_codes) {
        if (to_string(c) == s) return c;
    }
    return std::nullopt;
}

}  // namespace chatd::protocol
