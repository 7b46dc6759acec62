#include "protocol/surrogate_scan.hpp"

#include "protocol/hex.hpp"

#include <cstring>

namespace chatd::protocol {

namespace {

// The code unit of the "\uXXXX" escape at json[i], or -1 when json[i] does not
// start one (including a malformed one, which the parser will reject).
long escaped_unit(std::span<const char> json, std::size_t i) noexcept {
    if (i > json.size() || json.size() - i < 6 || json[i] != '\\' || json[i + 1] != 'u') return -1;
    long unit = 0;
    for (std::size_t k = 2; k < 6; ++k) {
        const int h = hex_value(json[i + k]);
        if (h < 0) return -1;
        unit = unit * 16 + h;
    }
    return unit;
}

bool is_high(long unit) noexcept { return unit >= 0xD800 && unit <= 0xDBFF; }
bool is_low(long unit) noexcept { return unit >= 0xDC00 && unit <= 0xDFFF; }

}  // namespace

std::size_t neutralize_lone_surrogates(std::span<char> json) noexcept {
    std::size_t rewritten = 0;
    std::size_t i = 0;
    while (i < json.size()) {
        const void* found = std::memchr(json.data() + i, '\\', json.size() - i);
        if (found == nullptr) break;
        i = static_cast<std::size_t>(static_cast<const char*>(found) - json.data());
        const long unit = escaped_unit(json, i);
        if (unit < 0) {
            i += 2;  // "\\", "\n", ...: the escaped character is never the start of another escape
            continue;
        }
        if (is_high(unit) && is_low(escaped_unit(json, i + 6))) {
            i += 12;  // a proper pair
            continue;
        }
        if (is_high(unit) || is_low(unit)) {
            std::memcpy(json.data() + i + 2, "ffff", 4);
            ++rewritten;
        }
        i += 6;
    }
    return rewritten;
}

}  // namespace chatd::protocol
