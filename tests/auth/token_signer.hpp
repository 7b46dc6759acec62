#pragma once

// Test-only: makes RSA 2048 and EC P-256 key pairs with OpenSSL, writes
// their public halves as a JWKS, and signs RS256/ES256 tokens with them, the
// way an identity provider would. Shared by tests/auth and tests/e2e.

#include "auth/base64url.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chatd::test {

using pkey = std::shared_ptr<EVP_PKEY>;

inline pkey rsa_2048() { return pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}), EVP_PKEY_free); }
inline pkey ec_p256() { return pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free); }

// The big-endian bytes of one of `key`'s BIGNUM parameters, left-padded
// to `width` (0: as short as it is).
inline std::string bn_param(const pkey& key, const char* name, int width = 0) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), name, &bn) != 1) throw std::runtime_error(name);
    std::string out(static_cast<std::size_t>(width ? width : BN_num_bytes(bn)), '\0');
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
    BN_free(bn);
    return out;
}

/// One JWK (a member of "keys") for the public half of `key`.
inline std::string jwk_json(const pkey& key, std::string_view kid, std::string_view extra = "") {
    using auth::base64url_encode;
    std::string out = R"({"kid":")" + std::string(kid) + "\"";
    if (EVP_PKEY_is_a(key.get(), "RSA")) {
        out += R"(,"kty":"RSA","n":")" + base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
               base64url_encode(bn_param(key, OSSL_PKEY_PARAM_RSA_E)) + "\"";
    } else {
        out += R"(,"kty":"EC","crv":"P-256","x":")" + base64url_encode(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)) +
               R"(","y":")" + base64url_encode(bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"";
    }
    if (!extra.empty()) out += "," + std::string(extra);
    return out + "}";
}

/// The raw JWS signature of `input` by `key`: PKCS#1 v1.5 for RSA, r || s
/// (32 bytes each) for EC.
inline std::string jws_signature(const pkey& key, std::string_view input) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1)
        throw std::runtime_error("sign");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data, input.size()) != 1)
        throw std::runtime_error("sign");
    sig.resize(len);
    if (EVP_PKEY_is_a(key.get(), "RSA")) return sig;
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* ecdsa = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(ecdsa);
    return raw;
}

/// A token with header `header_json` and payload `payload_json`, signed by `key`.
inline std::string sign_jws(const pkey& key, std::string_view header_json, std::string_view payload_json) {
    const std::string input = auth::base64url_encode(header_json) + "." + auth::base64url_encode(payload_json);
    return input + "." + auth::base64url_encode(jws_signature(key, input));
}

}  // namespace chatd::test
