#include "net/ws_handshake.hpp"

#include <openssl/evp.h>

#include <array>

namespace chatd::net {

std::string ws_accept_key(std::string_view client_key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input;
    input.reserve(client_key.size() + guid.size());
    input.append(client_key).append(guid);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    if (EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr) != 1) return {};
    std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> text{};
    const int n = EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(digest_size));
    return std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
}

std::string_view to_string(upgrade_problem p) noexcept {
    switch (p) {
        case upgrade_problem::bad_key: return "bad key";
        case upgrade_problem::unsupported_version: return "unsupported version";
    }
    return "unknown";
}

std::optional<upgrade_problem> ws_upgrade_problem(std::string_view key, std::string_view version) {
    if (version != "13") return upgrade_problem::unsupported_version;
    // 16 bytes in base64: 22 characters and "==".
    if (key.size() != 24 || key.substr(22) != "==") return upgrade_problem::bad_key;
    for (const char c : key.substr(0, 22)) {
        const bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!b64) return upgrade_problem::bad_key;
    }
    return std::nullopt;
}

std::string ws_switching_response(std::string_view client_key) {
    std::string r =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Server: chatd\r\n"
        "Sec-WebSocket-Accept: ";
    r.append(ws_accept_key(client_key));
    r.append("\r\n\r\n");
    return r;
}

}  // namespace chatd::net
