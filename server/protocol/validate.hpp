#pragma once

#include <cstdint>
#include <string_view>

namespace chatd::protocol {

// The protocol's rules for names and keys, shared by the decoder and by the
// server where names come from elsewhere (JWT claims, configuration).
// All pure; any thread.

/// True for 1-64 bytes of [A-Za-z0-9_.-] that do not start with '.'.
/// Room names are case-sensitive and never normalised.
bool is_valid_room_name(std::string_view room) noexcept;

/// True for 1-64 bytes of [A-Za-z0-9_.:-].
bool is_valid_client_id(std::string_view client_id) noexcept;

/// True for 1-8192 bytes of printable ASCII (0x21-0x7E): any JWT, nothing that
/// could break a log line. Says nothing about the token's validity.
bool is_valid_token(std::string_view token) noexcept;

/// `s` without its leading and trailing spaces (U+0020 only).
std::string_view trim_spaces(std::string_view s) noexcept;

/// What check_user_name found.
enum class name_check : std::uint8_t {
    ok,
    empty,         ///< nothing left after trimming
    too_long,      ///< over max_name_bytes
    invalid_utf8,  ///< not well-formed UTF-8
    not_printable, ///< holds a control, format or separator character
};

/// Checks a user name that has already been trimmed: 1-32 bytes of UTF-8 with
/// no C0/C1 control characters, DEL, line or paragraph separators, and no
/// invisible format characters (zero-width, bidi overrides, BOM) that would let
/// one name pass for another.
name_check check_user_name(std::string_view trimmed) noexcept;

}  // namespace chatd::protocol
