#include "protocol/utf8.hpp"

#include <cstdint>

namespace chatd::protocol {

namespace {

bool is_continuation(unsigned char c) noexcept { return (c & 0xC0U) == 0x80U; }

}  // namespace

std::size_t decode_utf8(std::string_view s, std::size_t pos, char32_t& cp) noexcept {
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
    const std::size_t left = s.size() - pos;
    const unsigned char c0 = at(0);
    if (c0 < 0x80U) {
        cp = c0;
        return 1;
    }
    // The lead byte fixes the length and the smallest code point that may use
    // it; anything smaller is an overlong encoding, a classic filter bypass.
    std::size_t len = 0;
    char32_t value = 0;
    char32_t min = 0;
    if ((c0 & 0xE0U) == 0xC0U) {
        len = 2;
        value = c0 & 0x1FU;
        min = 0x80;
    } else if ((c0 & 0xF0U) == 0xE0U) {
        len = 3;
        value = c0 & 0x0FU;
        min = 0x800;
    } else if ((c0 & 0xF8U) == 0xF0U) {
        len = 4;
        value = c0 & 0x07U;
        min = 0x10000;
    } else {
        return 0;  // a stray continuation byte, or 0xF8-0xFF
    }
    if (left < len) return 0;
    for (std::size_t i = 1; i < len; ++i) {
        if (!is_continuation(at(i))) return 0;
        value = (value << 6) | (at(i) & 0x3FU);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
    cp = value;
    return len;
}

bool is_valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        // ASCII runs are the common case: skip them a byte at a time without decoding.
        if (static_cast<unsigned char>(s[i]) < 0x80U) {
            ++i;
            continue;
        }
        char32_t cp = 0;
        const std::size_t n = decode_utf8(s, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace chatd::protocol
