#include "session/user_directory.hpp"

#include <algorithm>
#include <functional>

namespace chatd::session {

std::size_t user_directory::key(const std::string& user) noexcept { return std::hash<std::string>{}(user); }

void user_directory::add(const std::string& user, const push_ref& session) {
    const std::lock_guard lock(mutex_);
    sessions_.emplace(key(user), session);
}

void user_directory::remove(const std::string& user, std::uint64_t session_id) noexcept {
    const std::lock_guard lock(mutex_);
    const auto k = key(user);
    for (auto [it, end] = sessions_.equal_range(k); it != end; ++it)
        if (it->second.id() == session_id) {
            sessions_.erase(it);
            break;
        }
    // The budget goes with the last session: a user who reconnects to dodge
    // it is bounded by the connection rate instead.
    if (sessions_.find(k) == sessions_.end()) budgets_.erase(k);
}

std::vector<push_ref> user_directory::listed_but(std::size_t k, std::span<const std::uint64_t> except,
                                                 std::size_t most) const {
    std::vector<push_ref> out;
    for (auto [it, end] = sessions_.equal_range(k); it != end && out.size() < most; ++it)
        if (std::find(except.begin(), except.end(), it->second.id()) == except.end()) out.push_back(it->second);
    return out;
}

std::size_t user_directory::tell_others(const std::string& user, std::uint64_t except, const chat::frame& data) const {
    std::vector<push_ref> others;
    {
        const std::lock_guard lock(mutex_);
        others = listed_but(key(user), std::span(&except, 1), max_per_user_);
    }
    // Outside the lock: a tell enqueues, but holding no lock across it keeps
    // the directory out of every mailbox's way.
    for (const auto& r : others) r.tell(user_push{user, data});
    return others.size();
}

std::size_t user_directory::notify(const std::string& user, const chat::frame& data,
                                   std::span<const std::uint64_t> except) {
    std::vector<push_ref> to;
    {
        const std::lock_guard lock(mutex_);
        const auto k = key(user);
        if (sessions_.find(k) == sessions_.end()) return 0;
        const auto now = clock_();
        bucket& e = budgets_.try_emplace(k, bucket{static_cast<float>(budget_.burst), now}).first->second;
        const double secs = std::chrono::duration<double>(now - e.refilled).count();
        if (secs > 0) {
            e.tokens = static_cast<float>(
                std::min(budget_.burst, static_cast<double>(e.tokens) + secs * budget_.per_second));
            e.refilled = now;
        }
        if (e.tokens < 1.0F) {
            ++dropped_;
            return 0;
        }
        e.tokens -= 1.0F;
        to = listed_but(k, except, max_per_user_);
    }
    for (const auto& r : to) r.tell(user_push{user, data});
    return to.size();
}

std::size_t user_directory::close_all(const std::string& user, const close_connection& c) const {
    std::vector<push_ref> all;
    {
        const std::lock_guard lock(mutex_);
        all = listed_but(key(user), {}, sessions_.size());
    }
    for (const auto& r : all) r.tell(user_push{user, c});
    return all.size();
}

std::size_t user_directory::count(const std::string& user) const {
    const std::lock_guard lock(mutex_);
    return sessions_.count(key(user));
}

std::uint64_t user_directory::dropped() const {
    const std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace chatd::session
