#pragma once

#include <cstddef>
#include <string_view>

namespace chatd::protocol {

/// Decodes the UTF-8 sequence that starts at s[pos] into `cp` and returns its
/// length in bytes (1-4), or 0 when the bytes there are not well-formed UTF-8:
/// truncated, overlong, a surrogate (U+D800-U+DFFF) or above U+10FFFF.
/// Pure; any thread. `pos` must be < s.size().
std::size_t decode_utf8(std::string_view s, std::size_t pos, char32_t& cp) noexcept;

/// True when every byte of `s` belongs to a well-formed UTF-8 sequence.
/// Pure; any thread.
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace chatd::protocol
