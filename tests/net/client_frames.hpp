#pragma once

// Client-side WebSocket frames built byte by byte (masked, as browsers send
// them), for tests that feed the server exact bytes.

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::net {

// A client frame: masked with `mask`, as browsers send them.
inline std::string client_frame(std::uint8_t first_byte, std::string_view payload, bool masked = true,
                         std::uint32_t mask = 0x37FA213Du) {
    std::string f;
    f.push_back(static_cast<char>(first_byte));
    const std::uint8_t m = masked ? 0x80 : 0x00;
    const std::size_t n = payload.size();
    if (n < 126) {
        f.push_back(static_cast<char>(m | n));
    } else if (n <= 0xFFFF) {
        f.push_back(static_cast<char>(m | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xFF));
    } else {
        f.push_back(static_cast<char>(m | 127));
        for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
    }
    const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16), static_cast<char>(mask >> 8),
                         static_cast<char>(mask)};
    if (masked) f.append(key, 4);
    for (std::size_t i = 0; i < n; ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
    return f;
}

}  // namespace chatd::net
