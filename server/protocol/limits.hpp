#pragma once

#include <cstddef>
#include <cstdint>

namespace chatd::protocol {

/// The decoder's configurable limits. Copied into each decoder at
/// construction; the server fills it from its configuration.
struct limits {
    /// A frame over this many bytes is refused with frame_too_large before it is parsed.
    std::size_t max_frame_bytes = 65536;
    /// send.text over this many UTF-8 bytes (after unescaping) is refused with text_too_long.
    std::size_t max_text_bytes = 4096;
    /// The largest frame whose parser memory a decoder keeps for the next
    /// frame. simdjson needs about 14 bytes of memory per byte of capacity, so
    /// after a bigger frame the memory is released: one large frame must not
    /// pin ~1 MB on a connection for its lifetime. Smaller frames reuse it.
    std::size_t retain_bytes = 8192;
    /// Whether the decoder knows the requests of rooms with kinds, roles and
    /// a log of events (create_room, open_direct, members, invite, remove,
    /// ban, unban, mute, unmute, set_role, set_topic, edit, delete, react,
    /// unreact, read; leave's "forget"; and server-assigned room names, '!'
    /// and [a-z0-9]). Off, they are unknown_type, "forget" is ignored and a
    /// '!' room name is invalid_field, as before the server handled them.
    /// The server turns it on (app::server_config, --product-requests).
    bool product_requests = false;

    friend bool operator==(const limits&, const limits&) = default;
};

// Fixed by the protocol: clients may rely on these, so they are not configuration.

/// Integers on the wire (ids, sequence numbers) stay within what a JavaScript
/// number holds exactly (Number.MAX_SAFE_INTEGER).
inline constexpr std::uint64_t max_safe_integer = (std::uint64_t{1} << 53) - 1;
/// A string "id" is at most this many bytes.
inline constexpr std::size_t max_string_id_bytes = 64;
/// A user name (after trimming spaces) is 1 to this many bytes.
inline constexpr std::size_t max_name_bytes = 32;
/// A public room name is 1 to this many bytes; a server-assigned name is '!'
/// and 1 to this many more.
inline constexpr std::size_t max_room_bytes = 64;
/// A send.client_id is 1 to this many bytes.
inline constexpr std::size_t max_client_id_bytes = 64;
/// An identify.token is 1 to this many bytes.
inline constexpr std::size_t max_token_bytes = 8192;
/// history.limit when the request has none.
inline constexpr std::uint32_t default_history_limit = 50;
/// history.limit is 1 to this.
inline constexpr std::uint32_t max_history_limit = 100;
/// A room topic is 0 to this many bytes.
inline constexpr std::size_t max_topic_bytes = 256;
/// A reaction's emoji is 1 to this many bytes.
inline constexpr std::size_t max_emoji_bytes = 32;
/// A direct room has 2 to this many users, its opener included.
inline constexpr std::size_t max_direct_users = 8;
/// JSON nesting deeper than this is bad_json. Requests are flat; the margin
/// is for ignored extra fields.
inline constexpr std::size_t max_nesting_depth = 32;

}  // namespace chatd::protocol
