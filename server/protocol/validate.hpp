#pragma once

#include <cstdint>
#include <string_view>

namespace chatd::protocol {

// The protocol's rules for names and keys, shared by the decoder and by the
// server where names come from elsewhere (JWT claims, configuration).
// All pure; any thread.

/// True for a public room name or a server-assigned one (below): any room a
/// request may name. Room names are case-sensitive and never normalised.
bool is_valid_room_name(std::string_view room) noexcept;

/// True for 1-64 bytes of [A-Za-z0-9_.-] that do not start with '.': a name
/// a client may choose (join, create_room).
bool is_public_room_name(std::string_view room) noexcept;

/// True for '!' followed by 1-64 bytes of [a-z0-9]: a name the server picked
/// for a private or direct room. No join creates one.
bool is_server_room_name(std::string_view room) noexcept;

/// The prefix of a guest's user id on a server that takes tokens too.
inline constexpr std::string_view guest_prefix = "guest:";

/// True for a user id as `identified` gives it: a user name that needs no
/// trimming and passes check_user_name (a token's sub, a guest's name on a
/// guests-only server), or guest_prefix followed by one (a guest on a server
/// that takes tokens too).
bool is_valid_user_id(std::string_view user) noexcept;

/// True for 0..max_topic_bytes of valid UTF-8 with no C0/C1 control
/// character, DEL or line/paragraph separator: a topic is one line.
bool is_valid_topic(std::string_view topic) noexcept;

/// True for 1..max_emoji_bytes of valid UTF-8 with no whitespace, no C0/C1
/// control character or DEL, and no bidi control: one reaction, shown inline.
/// Joiners and variation selectors (U+200D, U+FE0F) are allowed: emoji
/// sequences need them.
bool is_valid_emoji(std::string_view emoji) noexcept;

/// True when `s` holds no U+0000. PostgreSQL's text type cannot hold one, so
/// no store keeps it: a request is refused it on every store alike. The other
/// rules (names, topic, emoji) refuse every control character already;
/// `text` is checked with this alone.
bool is_storable(std::string_view s) noexcept;

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
