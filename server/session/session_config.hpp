#pragma once

// A session's settings: plain values, read from the command line by app/.
// Whom a session talks to is not a setting: see session_context.

#include "act/executor.hpp"
#include "protocol/limits.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace chatd::auth {
class jwk_set;
}  // namespace chatd::auth

namespace chatd::session {

/// What every session is given; one copy shared by all (in session_context).
struct session_config {
    protocol::limits limits{};
    std::size_t max_rooms = 50;       ///< rooms one connection may be in
    double room_creations_per_minute = 30;  ///< rooms not running that one connection may start, refilled continuously
    double rate_per_second = 20;      ///< requests, refilled continuously
    double rate_burst = 40;           ///< bucket size
    int abuse_threshold = 50;         ///< consecutive rate_limited replies before closing with 4002
    bool allow_guests = true;
    std::string jwt_secret;  ///< HS256 secret for token sign-in; empty: HS256 tokens are refused
    /// RS256/ES256 keys for token sign-in (immutable, shared); null: those are refused.
    std::shared_ptr<const auth::jwk_set> jwks;
    bool tokens_accepted() const noexcept { return !jwt_secret.empty() || jwks; }
    /// A history reply holds the newest lines that fit in this many bytes (at
    /// least one line). The server sets it to a quarter of the outbound budget,
    /// so a reply never gets its reader cut off with 4000.
    std::size_t max_history_reply_bytes = 256 * 1024;
    act::duration ask_timeout = std::chrono::seconds(10);
};

}  // namespace chatd::session
