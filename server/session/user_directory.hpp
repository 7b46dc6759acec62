#pragma once

// The sessions of each signed-in user, so that what happens to a user (its
// read marker moved on another connection, a room it was added to or taken
// out of, a disconnect by the HTTP API) reaches all of its connections
// without asking every session.

#include "act/ref.hpp"
#include "chat/messages.hpp"
#include "chat/user_notifier.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace chatd::session {

/// Close the connection with `code` and `reason`, and count it in `closed`.
/// Whoever made `closed` learns the total when its last copy is gone, that
/// is when every session told has handled (or dropped) the push.
struct close_connection {
    std::uint16_t code = 0;
    std::string reason;
    std::shared_ptr<std::atomic<std::uint32_t>> closed;
};

/// Told to the sessions of `user` through a user_directory, by another
/// session of the same user, a room or app/: write a frame (a `marker`,
/// `room_added` or `removed` push; not a room's deliver: it admits the
/// session to nothing), or close (the HTTP API's disconnect). A session
/// identified as anyone else ignores it: the directory files users by a
/// hash of the name, so two names may share a place.
struct user_push {
    std::string user;
    std::variant<chat::frame, close_connection> what;
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
/// themselves when they first identify and remove themselves when they
/// stop, on any io thread; rooms notify from any thread. Every identified
/// session is listed (--max-connections bounds them), in 24 B and a bucket
/// pointer, with no copy of the name; a push reaches at most max_per_user
/// of a user's sessions, a close reaches them all. A user others have
/// pushed to also has a push budget, dropped with its last session. app/
/// makes one and it outlives every session and room.
class user_directory final : public chat::user_notifier {
public:
    using clock_fn = std::chrono::steady_clock::time_point (*)();

    explicit user_directory(std::size_t max_per_user = 64, push_budget budget = {}, clock_fn clock = nullptr)
        : max_per_user_(max_per_user),
          budget_(budget),
          clock_(clock != nullptr ? clock : +[] { return std::chrono::steady_clock::now(); }) {}
    user_directory(const user_directory&) = delete;
    user_directory& operator=(const user_directory&) = delete;

    /// Lists `session` under `user`. Called once per session (its first identify).
    void add(const std::string& user, const push_ref& session);
    /// Takes the session of this id off `user`'s list (a no-op if it is not there).
    void remove(const std::string& user, std::uint64_t session_id) noexcept;
    /// Tells `data` to the sessions of `user` but the one of id `except`
    /// (the user's own doing: no budget), at most max_per_user of them.
    /// Returns how many were told.
    std::size_t tell_others(const std::string& user, std::uint64_t except, const chat::frame& data) const;
    /// Tells `data` to the sessions of `user` but those in `except`, at most
    /// max_per_user of them, if the user's push budget allows (one push
    /// spends one, however many sessions it reaches). Returns how many were told.
    std::size_t notify(const std::string& user, const chat::frame& data,
                       std::span<const std::uint64_t> except = {}) override;
    /// Tells every session of `user` to close as `c` says. Returns how many were told.
    std::size_t close_all(const std::string& user, const close_connection& c) const;
    /// Sessions listed for `user` (tests, metrics).
    std::size_t count(const std::string& user) const;
    /// Pushes notify() dropped for a user over its budget, since the start.
    std::uint64_t dropped() const;

private:
    struct bucket {
        float tokens;
        std::chrono::steady_clock::time_point refilled;
    };
    static std::size_t key(const std::string& user) noexcept;
    std::vector<push_ref> listed_but(std::size_t k, std::span<const std::uint64_t> except, std::size_t most) const;

    const std::size_t max_per_user_;
    const push_budget budget_;
    const clock_fn clock_;
    mutable std::mutex mutex_;  // guards the rest; never held while telling
    std::unordered_multimap<std::size_t, push_ref> sessions_;  // by key(user)
    std::unordered_map<std::size_t, bucket> budgets_;          // by key(user): those pushed to
    std::uint64_t dropped_ = 0;
};

}  // namespace chatd::session
