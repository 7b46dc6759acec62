#pragma once

#include "act/result.hpp"

#include <openssl/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::auth {

/// The asymmetric JWS algorithms chatd verifies.
enum class jwk_alg : std::uint8_t { rs256, es256 };

/// One public key of a JSON Web Key Set.
struct jwk {
    std::string kid;  ///< empty when the key has none
    jwk_alg alg = jwk_alg::rs256;  ///< from kty (RSA: RS256; EC P-256: ES256)
    std::shared_ptr<EVP_PKEY> key;  ///< shared read-only by every verifying thread
};

/// The public keys of a JSON Web Key Set (RFC 7517): RSA keys (kty RSA, n,
/// e; 2048 to 8192 bits) for RS256 and EC P-256 keys (kty EC, crv P-256, x,
/// y) for ES256. Immutable once made; thread-safe.
class jwk_set {
public:
    /// Parses a JWKS document. Keys chatd cannot use are skipped, as RFC 7517
    /// section 5 asks: another kty or curve, `use` other than "sig", `alg`
    /// other than RS256/ES256. A usable key that is malformed (bad
    /// base64url, a point off the curve, a short RSA modulus), a `kid` given
    /// twice, or a set with no usable key is an error, returned as text.
    static act::result<jwk_set, std::string> parse(std::string_view json);

    /// Reads and parses the file at `path`; throws std::invalid_argument
    /// naming the file and what is wrong. For start-up.
    static jwk_set load(const std::filesystem::path& path);

    /// The key whose kid is `kid`, or null.
    const jwk* by_kid(std::string_view kid) const noexcept;
    /// The key for `alg` when the set holds exactly one; else null (a token
    /// without kid cannot choose among several).
    const jwk* only(jwk_alg alg) const noexcept;

    const std::vector<jwk>& keys() const noexcept { return keys_; }

private:
    std::vector<jwk> keys_;
};

}  // namespace chatd::auth
