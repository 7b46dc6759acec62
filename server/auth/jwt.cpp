#include "auth/jwt.hpp"

#include "protocol/validate.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <optional>

namespace chatd::auth {

namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url_encode(std::string_view in) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += k_alphabet[(acc >> bits) & 0x3F];
        }
    }
    if (bits > 0) out += k_alphabet[(acc << (6 - bits)) & 0x3F];
    return out;  // no padding, as JWT wants
}

std::optional<std::string> base64url_decode(std::string_view in) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        const auto pos = k_alphabet.find(c);
        if (pos == std::string_view::npos) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::array<unsigned char, 32> hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, 32> mac{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), mac.data(), &len);
    return mac;
}

// A NumericDate (seconds since the epoch, RFC 7519 section 2): an integer or
// a number with a fraction, such as 1700000000.5. A date past what a
// time_point holds (the year 2262, in nanoseconds) is taken as the furthest
// one it does hold: an exp then never comes, an nbf never passes.
std::optional<std::chrono::system_clock::time_point> numeric_date(simdjson::dom::element v) {
    using time_point = std::chrono::system_clock::time_point;
    double seconds = 0;
    if (std::int64_t i = 0; v.get(i) == simdjson::SUCCESS) {
        seconds = static_cast<double>(i);
    } else if (std::uint64_t u = 0; v.get(u) == simdjson::SUCCESS) {
        seconds = static_cast<double>(u);
    } else if (v.get(seconds) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    // A little inside the limits, so that the conversion cannot round past them.
    const double limit = std::chrono::duration<double>(time_point::max().time_since_epoch()).count() * 0.999;
    if (seconds >= limit) return time_point::max();
    if (seconds <= -limit) return time_point::min();
    return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace

std::string_view to_string(jwt_error e) noexcept {
    switch (e) {
        case jwt_error::malformed: return "malformed token";
        case jwt_error::wrong_alg: return "token algorithm is not HS256";
        case jwt_error::bad_signature: return "token signature does not match";
        case jwt_error::expired: return "token has expired";
        case jwt_error::not_yet_valid: return "token is not valid yet";
        case jwt_error::no_subject: return "token has no valid sub";
        case jwt_error::no_expiry: return "token has no exp";
    }
    return "token refused";
}

std::variant<jwt_claims, jwt_error> verify_hs256(std::string_view token, std::string_view secret,
                                                 std::chrono::system_clock::time_point now) {
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return jwt_error::malformed;
    const auto header = base64url_decode(token.substr(0, dot1));
    const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!header || !payload || !signature) return jwt_error::malformed;

    simdjson::dom::parser parser;
    simdjson::dom::object h;
    if (parser.parse(*header).get(h) != simdjson::SUCCESS) return jwt_error::malformed;
    std::string_view alg;
    if (h["alg"].get(alg) != simdjson::SUCCESS || alg != "HS256") return jwt_error::wrong_alg;

    // The signature covers the encoded header and payload, exactly as sent.
    const auto mac = hmac_sha256(secret, token.substr(0, dot2));
    if (signature->size() != mac.size() || CRYPTO_memcmp(signature->data(), mac.data(), mac.size()) != 0)
        return jwt_error::bad_signature;

    simdjson::dom::object p;
    if (parser.parse(*payload).get(p) != simdjson::SUCCESS) return jwt_error::malformed;
    simdjson::dom::element exp_value;
    if (p["exp"].get(exp_value) != simdjson::SUCCESS) return jwt_error::no_expiry;
    const auto exp = numeric_date(exp_value);
    if (!exp) return jwt_error::no_expiry;
    if (*exp <= now) return jwt_error::expired;
    if (simdjson::dom::element nbf_value; p["nbf"].get(nbf_value) == simdjson::SUCCESS) {
        // A present nbf that is not a date is refused, not ignored: ignoring
        // it would let in a token its issuer meant for later.
        const auto nbf = numeric_date(nbf_value);
        if (!nbf || *nbf > now) return jwt_error::not_yet_valid;
    }
    std::string_view sub;
    if (p["sub"].get(sub) != simdjson::SUCCESS) return jwt_error::no_subject;
    const std::string name(protocol::trim_spaces(sub));
    if (name != sub || protocol::check_user_name(name) != protocol::name_check::ok) return jwt_error::no_subject;
    return jwt_claims{name, *exp};
}

std::string sign_hs256(std::string_view subject, std::int64_t expires, std::string_view secret) {
    std::string payload = R"({"sub":")";
    for (char c : subject) {  // user names hold no quotes or controls, but escape anyway
        if (c == '"' || c == '\\') payload += '\\';
        payload += c;
    }
    payload += R"(","exp":)" + std::to_string(expires) + "}";
    return sign_hs256_payload(payload, secret);
}

std::string sign_hs256_payload(std::string_view payload_json, std::string_view secret) {
    const std::string signing_input =
        base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(payload_json);
    const auto mac = hmac_sha256(secret, signing_input);
    return signing_input + "." +
           base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

}  // namespace chatd::auth
