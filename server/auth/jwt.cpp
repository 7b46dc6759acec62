#include "auth/jwt.hpp"

#include "auth/base64url.hpp"
#include "auth/jwks.hpp"

#include "protocol/validate.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chatd::auth {

namespace {

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

struct md_ctx_free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

// A JWS ES256 signature is r || s, 32 bytes each (RFC 7518 section 3.4);
// OpenSSL verifies the DER ECDSA-Sig-Value. Empty when it cannot be made.
std::string es256_to_der(std::string_view raw) {
    ECDSA_SIG* sig = ECDSA_SIG_new();
    if (!sig) return {};
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    BIGNUM* r = BN_bin2bn(p, 32, nullptr);
    BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
    if (!r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return {};
    }
    std::string der;
    unsigned char* out = nullptr;
    if (const int len = i2d_ECDSA_SIG(sig, &out); len > 0) der.assign(reinterpret_cast<const char*>(out), len);
    OPENSSL_free(out);
    ECDSA_SIG_free(sig);
    return der;
}

// Whether `signature` (as the JWS carries it) signs `input` under `key`.
bool verify_with(const jwk& key, std::string_view input, std::string_view signature) {
    std::string der;
    if (key.alg == jwk_alg::es256) {
        if (signature.size() != 64) return false;
        der = es256_to_der(signature);
        if (der.empty()) return false;
        signature = der;
    } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get()))) {
        return false;  // an RSA signature is exactly as long as the modulus
    }
    std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

// The key an RS256/ES256 header names: by kid, else the set's only key for
// the alg. The alg must be the key's own.
act::result<const jwk*, jwt_error> pick_key(const jwk_set& keys, jwk_alg alg, simdjson::dom::object header) {
    simdjson::dom::element kid_value;
    if (header["kid"].get(kid_value) != simdjson::SUCCESS) {
        const jwk* key = keys.only(alg);
        if (!key) return jwt_error::unknown_key;
        return key;
    }
    std::string_view kid;
    if (kid_value.get(kid) != simdjson::SUCCESS) return jwt_error::malformed;
    const jwk* key = kid.empty() ? nullptr : keys.by_kid(kid);
    if (!key) return jwt_error::unknown_key;
    if (key->alg != alg) return jwt_error::wrong_alg;
    return key;
}

// An optional `rooms` claim: an array of valid room names (each granted as
// member) or an object of name -> role; each name once, at most
// max_granted_rooms of them.
std::optional<std::vector<room_grant>> rooms_claim(simdjson::dom::object payload) {
    simdjson::dom::element value;
    if (payload["rooms"].get(value) != simdjson::SUCCESS) return std::vector<room_grant>{};
    std::vector<room_grant> rooms;
    const auto add = [&rooms](std::string_view name, protocol::member_role role) {
        if (!protocol::is_valid_room_name(name) || rooms.size() >= max_granted_rooms) return false;
        for (const auto& g : rooms)
            if (g.room == name) return false;  // twice: which role was meant?
        rooms.push_back(room_grant{std::string(name), role});
        return true;
    };
    if (simdjson::dom::array list; value.get(list) == simdjson::SUCCESS) {
        for (simdjson::dom::element e : list) {
            std::string_view name;
            if (e.get(name) != simdjson::SUCCESS || !add(name, protocol::member_role::member)) return std::nullopt;
        }
        return rooms;
    }
    simdjson::dom::object roles;
    if (value.get(roles) != simdjson::SUCCESS) return std::nullopt;
    for (auto [name, role_value] : roles) {
        std::string_view role_name;
        if (role_value.get(role_name) != simdjson::SUCCESS) return std::nullopt;
        const auto role = protocol::member_role_from_string(role_name);
        if (!role || !add(name, *role)) return std::nullopt;
    }
    return rooms;
}

}  // namespace

std::string_view to_string(jwt_error e) noexcept {
    switch (e) {
        case jwt_error::malformed: return "malformed token";
        case jwt_error::wrong_alg: return "token algorithm is not one this server accepts for it";
        case jwt_error::bad_signature: return "token signature does not match";
        case jwt_error::unknown_key: return "token kid names no key of this server";
        case jwt_error::expired: return "token has expired";
        case jwt_error::not_yet_valid: return "token is not valid yet";
        case jwt_error::no_subject: return "token has no valid sub";
        case jwt_error::no_expiry: return "token has no exp";
        case jwt_error::bad_rooms: return "token rooms is not a list of room names or an object of their roles";
    }
    return "token refused";
}

act::result<jwt_claims, jwt_error> verify_hs256(std::string_view token, std::string_view secret,
                                                std::chrono::system_clock::time_point now) {
    return verify_jwt(token, secret, nullptr, now);
}

act::result<jwt_claims, jwt_error> verify_jwt(std::string_view token, std::string_view secret, const jwk_set* keys,
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
    if (h["alg"].get(alg) != simdjson::SUCCESS) return jwt_error::wrong_alg;

    // The signature covers the encoded header and payload, exactly as sent.
    // Which key checks it follows from alg and the server's keys alone: an
    // HS256 token is checked only against the secret, never a public key.
    const auto signing_input = token.substr(0, dot2);
    if (alg == "HS256" && !secret.empty()) {
        const auto mac = hmac_sha256(secret, signing_input);
        if (signature->size() != mac.size() || CRYPTO_memcmp(signature->data(), mac.data(), mac.size()) != 0)
            return jwt_error::bad_signature;
    } else if ((alg == "RS256" || alg == "ES256") && keys) {
        const auto picked = pick_key(*keys, alg == "RS256" ? jwk_alg::rs256 : jwk_alg::es256, h);
        if (!picked) return picked.error();
        if (!verify_with(**picked, signing_input, *signature)) return jwt_error::bad_signature;
    } else {
        return jwt_error::wrong_alg;
    }

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
    auto rooms = rooms_claim(p);
    if (!rooms) return jwt_error::bad_rooms;
    return jwt_claims{name, *exp, std::move(*rooms)};
}

const room_grant* granted(const std::vector<room_grant>& grants, std::string_view room) noexcept {
    for (const auto& g : grants)
        if (g.room == room) return &g;
    return nullptr;
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
