#include "session/user_directory.hpp"

#include <algorithm>

namespace chatd::session {

bool user_directory::add(const std::string& user, const push_ref& session) {
    std::lock_guard lock(mutex_);
    auto& list = users_[user];
    if (std::any_of(list.begin(), list.end(), [&](const push_ref& r) { return r.id() == session.id(); })) return true;
    if (list.size() >= max_per_user_) return false;
    list.push_back(session);
    return true;
}

void user_directory::remove(const std::string& user, std::uint64_t session_id) noexcept {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user);
    if (it == users_.end()) return;
    std::erase_if(it->second, [session_id](const push_ref& r) { return r.id() == session_id; });
    if (it->second.empty()) users_.erase(it);
}

std::size_t user_directory::tell_others(const std::string& user, std::uint64_t except, const chat::frame& data) const {
    std::vector<push_ref> others;
    {
        std::lock_guard lock(mutex_);
        auto it = users_.find(user);
        if (it == users_.end()) return 0;
        others.reserve(it->second.size());
        for (const auto& r : it->second)
            if (r.id() != except) others.push_back(r);
    }
    // Outside the lock: a tell enqueues, but holding no lock across it keeps
    // the directory out of every mailbox's way.
    for (const auto& r : others) r.tell(user_push{data});
    return others.size();
}

std::size_t user_directory::count(const std::string& user) const {
    std::lock_guard lock(mutex_);
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second.size();
}

}  // namespace chatd::session
