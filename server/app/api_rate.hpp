#pragma once

// The HTTP API's rate limit: a token bucket per key, refilled continuously,
// as each WebSocket connection has (session::client_session). Taken on io
// threads, by any number of requests at once.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>

namespace chatd::app {

/// Thread-safe.
class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    token_bucket(double per_second, double burst) : per_second_(per_second), burst_(burst), tokens_(burst) {}

    /// Takes a token: 0 if there was one, else the whole seconds until there
    /// is (at least 1), for Retry-After.
    long take(clock::time_point now) {
        const std::lock_guard lock(mutex_);
        if (refilled_ != clock::time_point{})
            tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - refilled_).count() * per_second_);
        refilled_ = now;
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return 0;
        }
        if (per_second_ <= 0) return 60;
        return std::max(1L, static_cast<long>(std::ceil((1.0 - tokens_) / per_second_)));
    }

private:
    const double per_second_;
    const double burst_;
    std::mutex mutex_;  // guards the two below
    double tokens_;
    clock::time_point refilled_{};
};

}  // namespace chatd::app
