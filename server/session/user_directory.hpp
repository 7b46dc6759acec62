#pragma once

// The sessions of each signed-in user, so that what one connection does for
// its user (move a read marker) reaches that user's other connections
// without asking every session.

#include "act/ref.hpp"
#include "chat/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace chatd::session {

/// Told to a session by another session of the same user: write this frame
/// (a `marker` push). Not a room's deliver: it admits the session to nothing.
struct user_push {
    chat::frame data;
};

using push_ref = act::ref<user_push>;

/// user -> the sessions identified as that user. Thread-safe: sessions add
/// themselves when they identify and remove themselves when they stop, on
/// any io thread. Bounded: at most max_per_user sessions a user (a user
/// with more connections is told on the first ones only), and one entry per
/// identified session, which --max-connections bounds. app/ makes one and
/// it outlives every session.
class user_directory {
public:
    explicit user_directory(std::size_t max_per_user = 64) : max_per_user_(max_per_user) {}
    user_directory(const user_directory&) = delete;
    user_directory& operator=(const user_directory&) = delete;

    /// Lists `session` under `user`. False: the user has max_per_user
    /// listed already, so this one is not (nor told).
    bool add(const std::string& user, const push_ref& session);
    /// Takes the session of this id off `user`'s list (a no-op if it is not there).
    void remove(const std::string& user, std::uint64_t session_id) noexcept;
    /// Tells `data` to every session of `user` but the one of id `except`.
    /// Returns how many were told.
    std::size_t tell_others(const std::string& user, std::uint64_t except, const chat::frame& data) const;
    /// Sessions listed for `user` (tests, metrics).
    std::size_t count(const std::string& user) const;

private:
    const std::size_t max_per_user_;
    mutable std::mutex mutex_;  // guards users_; never held while telling
    std::unordered_map<std::string, std::vector<push_ref>> users_;
};

}  // namespace chatd::session
