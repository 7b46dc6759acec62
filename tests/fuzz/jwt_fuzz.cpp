// libFuzzer harness: the JWT verifier. Any token must verify or give a
// jwt_error, never a crash; a token it accepts must name a subject and an
// expiry after `now`. The input is tried as the token under a fixed
// secret, and also re-signed with that secret (its header and payload
// taken from the input's first two parts), so the claims parser is reached
// past the signature check.

#include "auth/jwt.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

constexpr std::string_view secret = "fuzzing secret";

std::string base64url(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(digits[(acc >> bits) & 0x3F]);
        }
    }
    if (bits > 0) out.push_back(digits[(acc << (6 - bits)) & 0x3F]);
    return out;
}

// "<a>.<b>" signed with `secret`.
std::string resign(std::string_view signing_input) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &len);
    return std::string(signing_input) + "." + base64url(mac, len);
}

void verify(std::string_view token) {
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    const auto r = chatd::auth::verify_hs256(token, secret, now);
    if (const auto* c = std::get_if<chatd::auth::jwt_claims>(&r)) {
        if (c->subject.empty() || c->expires <= now) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view token(reinterpret_cast<const char*>(data), size);
    verify(token);
    if (const auto last = token.rfind('.'); last != std::string_view::npos) verify(resign(token.substr(0, last)));
    return 0;
}
