#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace chatd::auth {

/// base64url without padding (RFC 4648 section 5), as JWS and JWK write
/// their binary parts. Thread-safe.
std::string base64url_encode(std::string_view in);

/// Decodes unpadded base64url. Refuses a character outside the alphabet, a
/// length that no encoding has (4n + 1), and unused trailing bits that are
/// not zero, so each value has one encoding only. Thread-safe.
std::optional<std::string> base64url_decode(std::string_view in);

}  // namespace chatd::auth
