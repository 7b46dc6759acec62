#pragma once

// The sessions of each signed-in user, so that what happens to a user (its
// read marker moved on another connection, a room it was added to or taken
// out of) reaches all of its connections without asking every session.

#include "act/ref.hpp"
#include "chat/messages.hpp"
#include "chat/user_notifier.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace chatd::session {

/// Told to a session by another session of the same user, or by a room
/// through the directory: write this frame (a `marker`, `room_added` or
/// `removed` push). Not a room's deliver: it admits the session to nothing.
struct user_push {
    chat::frame data;
};

using push_ref = act::ref<user_push>;

/// How many pushes others may cause a user (chat::user_notifier::notify):
/// a bucket of `burst`, refilled at `per_second`. The defaults keep a full
/// burst of the largest push (a 256-byte topic escaped six times over, about
/// 2 KiB) under a quarter of a connection's default outbound budget.
struct push_budget {
    double per_second = 8;
    double burst = 128;
};

/// user -> the sessions identified as that user. Thread-safe: sessions add
/// themselves when they identify and remove themselves when they stop, on
/// any io thread; rooms notify from any thread. Bounded: at most
/// max_per_user sessions a user (a user with more connections is told on
/// the first ones only), one entry per identified user, which
/// --max-connections bounds, and a push budget per user. app/ makes one and
/// it outlives every session and room.
class user_directory final : public chat::user_notifier {
public:
    using clock_fn = std::chrono::steady_clock::time_point (*)();

    explicit user_directory(std::size_t max_per_user = 64, push_budget budget = {}, clock_fn clock = nullptr)
        : max_per_user_(max_per_user),
          budget_(budget),
          clock_(clock != nullptr ? clock : +[] { return std::chrono::steady_clock::now(); }) {}
    user_directory(const user_directory&) = delete;
    user_directory& operator=(const user_directory&) = delete;

    /// Lists `session` under `user`. False: the user has max_per_user
    /// listed already, so this one is not (nor told).
    bool add(const std::string& user, const push_ref& session);
    /// Takes the session of this id off `user`'s list (a no-op if it is not there).
    void remove(const std::string& user, std::uint64_t session_id) noexcept;
    /// Tells `data` to every session of `user` but the one of id `except`
    /// (the user's own doing: no budget). Returns how many were told.
    std::size_t tell_others(const std::string& user, std::uint64_t except, const chat::frame& data) const;
    /// Tells `data` to every session of `user` but those in `except`, if
    /// the user's push budget allows (one push spends one, however many
    /// sessions it reaches). Returns how many were told.
    std::size_t notify(const std::string& user, const chat::frame& data,
                       std::span<const std::uint64_t> except = {}) override;
    /// Sessions listed for `user` (tests, metrics).
    std::size_t count(const std::string& user) const;
    /// Pushes notify() dropped for a user over its budget, since the start.
    std::uint64_t dropped() const;

private:
    struct entry {
        std::vector<push_ref> sessions;
        float tokens;
        std::chrono::steady_clock::time_point refilled;
    };
    std::vector<push_ref> listed_but(const std::string& user, std::span<const std::uint64_t> except) const;

    const std::size_t max_per_user_;
    const push_budget budget_;
    const clock_fn clock_;
    mutable std::mutex mutex_;  // guards users_ and dropped_; never held while telling
    std::unordered_map<std::string, entry> users_;
    std::uint64_t dropped_ = 0;
};

}  // namespace chatd::session
