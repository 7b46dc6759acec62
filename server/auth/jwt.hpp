#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace chatd::auth {

/// Why a token was refused (each is answered `auth_failed`; the reason is
/// for the log and the error's message).
enum class jwt_error : std::uint8_t {
    malformed,      ///< not three base64url parts, or not JSON objects
    wrong_alg,      ///< the header's alg is not HS256 ("none" included)
    bad_signature,  ///< the HMAC does not match
    expired,        ///< exp is in the past
    not_yet_valid,  ///< nbf is in the future, or not a number
    no_subject,     ///< sub missing, not a string, or not a valid user name
    no_expiry,      ///< exp missing or not a number
};
std::string_view to_string(jwt_error e) noexcept;

/// The verified claims chatd uses.
struct jwt_claims {
    std::string subject;  ///< `sub`: the user name
    std::chrono::system_clock::time_point expires;  ///< `exp`, fraction of a second included
};

/// Verifies an HS256 JSON Web Token: the signature (constant-time compare),
/// that alg is HS256, that `exp` is present and after `now`, `nbf` (if any)
/// not after `now`, and that `sub` is a valid chatd user name. `exp` and
/// `nbf` are NumericDates: integers or numbers with a fraction (RFC 7519),
/// compared to `now` to the microsecond. Thread-safe.
std::variant<jwt_claims, jwt_error> verify_hs256(std::string_view token, std::string_view secret,
                                                 std::chrono::system_clock::time_point now);

/// Makes an HS256 token for `subject` expiring at `expires` (seconds since
/// the epoch): for tests and for operators minting tokens.
std::string sign_hs256(std::string_view subject, std::int64_t expires, std::string_view secret);

/// Makes an HS256 token whose payload is `payload_json` exactly as given
/// (claims of any shape, e.g. a fractional `exp`): for tests.
std::string sign_hs256_payload(std::string_view payload_json, std::string_view secret);

}  // namespace chatd::auth
