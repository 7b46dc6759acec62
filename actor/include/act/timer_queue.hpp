#pragma once

#include "act/executor.hpp"

#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace act {

/// Timers ordered by due time (ties in scheduling order). Not thread-safe:
/// each executor guards its own. Used by thread_pool and manual_executor.
class timer_queue {
public:
    timer_token add(time_point when, std::function<void()> fn) {
        timer_token t{when, ++next_id_};
        timers_.emplace(t, std::move(fn));
        return t;
    }
    /// Removes a pending timer and hands back its function (empty if none),
    /// so the caller can destroy it outside any lock.
    std::function<void()> take(timer_token t) {
        auto node = timers_.extract(t);
        return node.empty() ? std::function<void()>{} : std::move(node.mapped());
    }
    bool empty() const noexcept { return timers_.empty(); }
    std::size_t size() const noexcept { return timers_.size(); }
    std::optional<time_point> next_due() const {
        if (timers_.empty()) return std::nullopt;
        return timers_.begin()->first.when;
    }
    /// Removes and returns the earliest timer if it is due at `now`.
    std::function<void()> pop_due(time_point now) {
        if (timers_.empty() || timers_.begin()->first.when > now) return {};
        auto node = timers_.extract(timers_.begin());
        return std::move(node.mapped());
    }
    void clear() { timers_.clear(); }

private:
    std::map<timer_token, std::function<void()>> timers_;
    std::uint64_t next_id_ = 0;
};

}  // namespace act
