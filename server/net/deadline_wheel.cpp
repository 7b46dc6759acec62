#include "net/deadline_wheel.hpp"

#include "net/net_config.hpp"

#include <algorithm>
#include <chrono>

namespace chatd::net {

std::int64_t deadline_wheel::granularity_for(const net_config& cfg) noexcept {
    using std::chrono::milliseconds;
    milliseconds shortest = cfg.close_timeout;
    if (cfg.idle_timeout.count() > 0) shortest = std::min(shortest, cfg.idle_timeout);
    return std::clamp(shortest / 4, milliseconds(10), milliseconds(1000)).count();
}

std::int64_t deadline_wheel::bucket_for(std::int64_t due_ms) const noexcept {
    if (due_ms <= 0) return never;
    // Rounded up: a bucket never comes before its connections are due.
    return (due_ms + granularity_ - 1) / granularity_;
}

void deadline_wheel::link(ws_connection& c, std::int64_t bucket) {
    ws_connection*& head = buckets_[bucket];
    c.bucket_ = bucket;
    c.prev_open_ = nullptr;
    c.next_open_ = head;
    if (head != nullptr) head->prev_open_ = &c;
    head = &c;
}

void deadline_wheel::insert(ws_connection& c, std::int64_t due_ms) { link(c, bucket_for(due_ms)); }

void deadline_wheel::erase(ws_connection& c) noexcept {
    if (c.bucket_ == 0) return;
    if (c.prev_open_ != nullptr) {
        c.prev_open_->next_open_ = c.next_open_;
    } else if (const auto it = buckets_.find(c.bucket_); it != buckets_.end()) {
        if (c.next_open_ != nullptr) it->second = c.next_open_;
        else buckets_.erase(it);
    }
    if (c.next_open_ != nullptr) c.next_open_->prev_open_ = c.prev_open_;
    c.prev_open_ = c.next_open_ = nullptr;
    c.bucket_ = 0;
}

bool deadline_wheel::schedule(ws_connection& c, std::int64_t due_ms) {
    const std::int64_t bucket = bucket_for(due_ms);
    if (c.bucket_ == 0 || bucket >= c.bucket_) return false;
    const std::int64_t before = next_wake_ms();
    erase(c);
    link(c, bucket);
    return before == 0 || next_wake_ms() < before;
}

void deadline_wheel::take_due(std::int64_t now_ms, std::vector<ws_connection*>& out) {
    while (!buckets_.empty()) {
        const auto it = buckets_.begin();
        if (it->first == never || it->first * granularity_ > now_ms) return;
        ws_connection* n = it->second;
        buckets_.erase(it);
        while (n != nullptr) {
            ws_connection* next = n->next_open_;
            out.push_back(n);
            link(*n, never);
            n = next;
        }
    }
}

std::int64_t deadline_wheel::next_wake_ms() const noexcept {
    if (buckets_.empty() || buckets_.begin()->first == never) return 0;
    return buckets_.begin()->first * granularity_;
}

}  // namespace chatd::net
