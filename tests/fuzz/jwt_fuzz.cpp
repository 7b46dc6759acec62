// libFuzzer harness: the JWT verifier and the JWKS parser. Any token must
// verify or give a jwt_error, never a crash; a token it accepts must name a
// subject and an expiry after `now`. The input is tried as the token under
// a fixed secret and a fixed key set (one P-256 key, kid "g", so RS256 and
// ES256 headers reach key selection and EVP verification), and also
// re-signed with that secret (its header and payload taken from the
// input's first two parts), so the claims parser is reached past the
// signature check. The input is also parsed as a JWKS: it must give a set
// with at least one key or an error text.

#include "auth/base64url.hpp"
#include "auth/jwks.hpp"
#include "auth/jwt.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view secret = "fuzzing secret";

// "<a>.<b>" signed with `secret`.
std::string resign(std::string_view signing_input) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &len);
    return std::string(signing_input) + "." +
           chatd::auth::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

// P-256's generator point as a public key: valid, and no token can be signed for it here.
const chatd::auth::jwk_set& keys() {
    static const auto set = chatd::auth::jwk_set::parse(
        R"({"keys":[{"kty":"EC","crv":"P-256","kid":"g","x":"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",)"
        R"("y":"T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}]})").value();
    return set;
}

void verify(std::string_view token) {
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    const auto r = chatd::auth::verify_jwt(token, secret, &keys(), now);
    if (r && (r->subject.empty() || r->expires <= now)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view token(reinterpret_cast<const char*>(data), size);
    verify(token);
    const auto set = chatd::auth::jwk_set::parse(token);
    if (set ? set->keys().empty() : set.error().empty()) __builtin_trap();
    if (const auto last = token.rfind('.'); last != std::string_view::npos) verify(resign(token.substr(0, last)));
    return 0;
}
