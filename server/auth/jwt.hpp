#pragma once

#include "act/result.hpp"
#include "protocol/vocabulary.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::auth {

class jwk_set;

/// Why a token was refused (each is answered `auth_failed`; the reason is
/// for the log and the error's message).
enum class jwt_error : std::uint8_t {
    malformed,      ///< not three base64url parts, or not JSON objects
    wrong_alg,      ///< alg is not one the server has a key for ("none" included), or not the kid's key's
    bad_signature,  ///< the HMAC or signature does not match, or has the wrong length
    unknown_key,    ///< no key has the header's kid; or no kid and not exactly one key for the alg
    expired,        ///< exp is in the past
    not_yet_valid,  ///< nbf is in the future, or not a number
    no_subject,     ///< sub missing, not a string, or not a valid user name
    no_expiry,      ///< exp missing or not a number
    bad_rooms,      ///< rooms present but not room names (an array, or an object of roles), or too many
};
std::string_view to_string(jwt_error e) noexcept;

/// A room a token's issuer lets its user into, with the user's role there.
struct room_grant {
    std::string room;
    protocol::member_role role = protocol::member_role::member;

    friend bool operator==(const room_grant&, const room_grant&) = default;
};

/// Most rooms one token may grant; a token with more is refused.
inline constexpr std::size_t max_granted_rooms = 64;

/// The verified claims chatd uses.
struct jwt_claims {
    std::string subject;  ///< `sub`: the user name
    std::chrono::system_clock::time_point expires;  ///< `exp`, fraction of a second included
    /// `rooms`, when the token has it: the rooms its issuer grants, each
    /// once (docs/protocol.md, "identify"). An array of names grants each as
    /// `member`; an object maps each name to "member", "admin" or "owner".
    std::vector<room_grant> rooms;
};

/// The grant of `room` among `grants` (a token's rooms), or null.
const room_grant* granted(const std::vector<room_grant>& grants, std::string_view room) noexcept;

/// Verifies an HS256 JSON Web Token: the signature (constant-time compare),
/// that alg is HS256, that `exp` is present and after `now`, `nbf` (if any)
/// not after `now`, and that `sub` is a valid chatd user name. `exp` and
/// `nbf` are NumericDates: integers or numbers with a fraction (RFC 7519),
/// compared to `now` to the microsecond. Thread-safe.
act::result<jwt_claims, jwt_error> verify_hs256(std::string_view token, std::string_view secret,
                                                std::chrono::system_clock::time_point now);

/// Verifies a token signed with HS256 (under `secret`; empty: HS256 is
/// refused), or RS256 / ES256 (under the key of `keys` its header's `kid`
/// names, or the set's only key for that alg when it has no kid; null:
/// both are refused), then its claims as verify_hs256 does. The alg must be
/// the key's: an RS256 token is never checked against an EC key, nor an
/// HS256 token against a public key. Thread-safe.
act::result<jwt_claims, jwt_error> verify_jwt(std::string_view token, std::string_view secret, const jwk_set* keys,
                                              std::chrono::system_clock::time_point now);

/// Makes an HS256 token for `subject` expiring at `expires` (seconds since
/// the epoch): for tests and for operators minting tokens.
std::string sign_hs256(std::string_view subject, std::int64_t expires, std::string_view secret);

/// Makes an HS256 token whose payload is `payload_json` exactly as given
/// (claims of any shape, e.g. a fractional `exp`): for tests.
std::string sign_hs256_payload(std::string_view payload_json, std::string_view secret);

}  // namespace chatd::auth
