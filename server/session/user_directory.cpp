#include "session/user_directory.hpp"

#include <algorithm>

namespace chatd::session {

bool user_directory::add(const std::string& user, const push_ref& session) {
    std::lock_guard lock(mutex_);
    auto [it, added] = users_.try_emplace(user, entry{{}, static_cast<float>(budget_.burst), clock_()});
    auto& list = it->second.sessions;
    if (std::any_of(list.begin(), list.end(), [&](const push_ref& r) { return r.id() == session.id(); })) return true;
    if (list.size() >= max_per_user_) return false;
    list.push_back(session);
    return true;
}

void user_directory::remove(const std::string& user, std::uint64_t session_id) noexcept {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user);
    if (it == users_.end()) return;
    std::erase_if(it->second.sessions, [session_id](const push_ref& r) { return r.id() == session_id; });
    // The budget goes with the last session: a user who reconnects to dodge
    // it is bounded by the connection rate instead.
    if (it->second.sessions.empty()) users_.erase(it);
}

std::vector<push_ref> user_directory::listed_but(const std::string& user,
                                                 std::span<const std::uint64_t> except) const {
    std::vector<push_ref> out;
    auto it = users_.find(user);
    if (it == users_.end()) return out;
    out.reserve(it->second.sessions.size());
    for (const auto& r : it->second.sessions)
        if (std::find(except.begin(), except.end(), r.id()) == except.end()) out.push_back(r);
    return out;
}

std::size_t user_directory::tell_others(const std::string& user, std::uint64_t except, const chat::frame& data) const {
    std::vector<push_ref> others;
    {
        std::lock_guard lock(mutex_);
        others = listed_but(user, std::span(&except, 1));
    }
    // Outside the lock: a tell enqueues, but holding no lock across it keeps
    // the directory out of every mailbox's way.
    for (const auto& r : others) r.tell(user_push{data});
    return others.size();
}

std::size_t user_directory::notify(const std::string& user, const chat::frame& data,
                                   std::span<const std::uint64_t> except) {
    std::vector<push_ref> to;
    {
        std::lock_guard lock(mutex_);
        auto it = users_.find(user);
        if (it == users_.end()) return 0;
        entry& e = it->second;
        const auto now = clock_();
        const double secs = std::chrono::duration<double>(now - e.refilled).count();
        if (secs > 0) {
            e.tokens = static_cast<float>(std::min(budget_.burst, static_cast<double>(e.tokens) + secs * budget_.per_second));
            e.refilled = now;
        }
        if (e.tokens < 1.0F) {
            ++dropped_;
            return 0;
        }
        e.tokens -= 1.0F;
        to = listed_but(user, except);
    }
    for (const auto& r : to) r.tell(user_push{data});
    return to.size();
}

std::size_t user_directory::count(const std::string& user) const {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second.sessions.size();
}

std::uint64_t user_directory::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace chatd::session
