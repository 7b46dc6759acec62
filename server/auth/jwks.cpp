#include "auth/jwks.hpp"

#include "auth/base64url.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>

namespace chatd::auth {

namespace {

using pkey_ptr = std::shared_ptr<EVP_PKEY>;

struct bn_free {
    void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
struct bld_free {
    void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct params_free {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct ctx_free {
    void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};

// The public key `type` ("RSA" or "EC") built from `params`, checked the way
// OpenSSL checks a peer's public key (for EC: the point is on the curve).
pkey_ptr from_params(const char* type, OSSL_PARAM_BLD* bld) {
    std::unique_ptr<OSSL_PARAM, params_free> params(OSSL_PARAM_BLD_to_param(bld));
    std::unique_ptr<EVP_PKEY_CTX, ctx_free> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    pkey_ptr key(raw, EVP_PKEY_free);
    std::unique_ptr<EVP_PKEY_CTX, ctx_free> check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
    return key;
}

std::optional<std::string> b64_member(simdjson::dom::object k, const char* name) {
    std::string_view v;
    if (k[name].get(v) != simdjson::SUCCESS || v.empty()) return std::nullopt;
    return base64url_decode(v);
}

act::result<pkey_ptr, std::string> rsa_key(simdjson::dom::object k) {
    const auto n = b64_member(k, "n");
    const auto e = b64_member(k, "e");
    if (!n || !e) return std::string("an RSA key needs n and e in base64url");
    std::unique_ptr<BIGNUM, bn_free> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                                                    static_cast<int>(n->size()), nullptr));
    std::unique_ptr<BIGNUM, bn_free> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                                                    static_cast<int>(e->size()), nullptr));
    // Shorter keys are breakable; longer ones only cost CPU on every sign-in.
    if (!bn_n || !bn_e || BN_num_bits(bn_n.get()) < 2048 || BN_num_bits(bn_n.get()) > 8192)
        return std::string("an RSA key's n must be 2048 to 8192 bits");
    std::unique_ptr<OSSL_PARAM_BLD, bld_free> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
        return std::string("out of memory");
    auto key = from_params("RSA", bld.get());
    if (!key) return std::string("not a valid RSA public key");
    return key;
}

act::result<pkey_ptr, std::string> ec_key(simdjson::dom::object k) {
    const auto x = b64_member(k, "x");
    const auto y = b64_member(k, "y");
    if (!x || !y || x->size() != 32 || y->size() != 32)
        return std::string("a P-256 key needs x and y of 32 bytes each in base64url");
    const std::string point = "\x04" + *x + *y;  // uncompressed: 04 || x || y
    std::unique_ptr<OSSL_PARAM_BLD, bld_free> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        return std::string("out of memory");
    auto key = from_params("EC", bld.get());
    if (!key) return std::string("x and y are not a point on P-256");
    return key;
}

// The key's algorithm, or nullopt for a key chatd does not use.
std::optional<jwk_alg> usable(simdjson::dom::object k) {
    std::string_view kty, crv, use, alg;
    if (k["kty"].get(kty) != simdjson::SUCCESS) return std::nullopt;
    if (k["use"].get(use) == simdjson::SUCCESS && use != "sig") return std::nullopt;
    const bool has_alg = k["alg"].get(alg) == simdjson::SUCCESS;
    if (kty == "RSA" && (!has_alg || alg == "RS256")) return jwk_alg::rs256;
    if (kty == "EC" && k["crv"].get(crv) == simdjson::SUCCESS && crv == "P-256" && (!has_alg || alg == "ES256"))
        return jwk_alg::es256;
    return std::nullopt;
}

}  // namespace

act::result<jwk_set, std::string> jwk_set::parse(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return std::string("not valid JSON");
    simdjson::dom::array keys;
    if (doc["keys"].get(keys) != simdjson::SUCCESS) return std::string("no \"keys\" array");
    jwk_set set;
    std::size_t index = 0;
    for (simdjson::dom::element e : keys) {
        const std::string where = "key " + std::to_string(index++);
        simdjson::dom::object k;
        if (e.get(k) != simdjson::SUCCESS) return where + ": not an object";
        const auto alg = usable(k);
        if (!alg) continue;
        jwk key;
        key.alg = *alg;
        if (simdjson::dom::element kid; k["kid"].get(kid) == simdjson::SUCCESS) {
            std::string_view s;
            if (kid.get(s) != simdjson::SUCCESS) return where + ": kid is not a string";
            key.kid = s;
            if (!key.kid.empty() && set.by_kid(key.kid)) return where + ": kid \"" + key.kid + "\" is given twice";
        }
        auto made = *alg == jwk_alg::rs256 ? rsa_key(k) : ec_key(k);
        if (!made) return where + ": " + made.error();
        key.key = std::move(made).value();
        set.keys_.push_back(std::move(key));
    }
    if (set.keys_.empty()) return std::string("no RS256 or ES256 signing key");
    return set;
}

jwk_set jwk_set::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) throw std::invalid_argument("--jwks-file " + path.string() + ": cannot be opened");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::invalid_argument("--jwks-file " + path.string() + ": cannot be read");
    auto parsed = parse(text);
    if (!parsed) throw std::invalid_argument("--jwks-file " + path.string() + ": " + parsed.error());
    return std::move(parsed).value();
}

const jwk* jwk_set::by_kid(std::string_view kid) const noexcept {
    for (const auto& k : keys_)
        if (k.kid == kid) return &k;
    return nullptr;
}

const jwk* jwk_set::only(jwk_alg alg) const noexcept {
    const jwk* found = nullptr;
    for (const auto& k : keys_) {
        if (k.alg != alg) continue;
        if (found) return nullptr;
        found = &k;
    }
    return found;
}

}  // namespace chatd::auth
