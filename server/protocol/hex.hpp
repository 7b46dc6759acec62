#pragma once

namespace chatd::protocol {

/// The value of one hexadecimal digit (either case), or -1. For \uXXXX
/// escapes here and %XX escapes in request paths (net/static_files).
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace chatd::protocol
