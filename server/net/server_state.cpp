#include "net/server_state.hpp"

#include "net/ws_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace chatd::net {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

}  // namespace

std::string_view to_string(reject_reason r) noexcept {
    switch (r) {
        case reject_reason::capacity: return "capacity";
        case reject_reason::origin: return "origin";
        case reject_reason::shutting_down: return "shutting_down";
        case reject_reason::not_websocket: return "not_websocket";
        case reject_reason::handshake: return "handshake";
    }
    return "unknown";
}

void ws_slot::reset() noexcept {
    if (auto s = std::exchange(state_, nullptr)) s->release();
}

namespace {

listener_callbacks with_logger(listener_callbacks cb) {
    if (!cb.logger) cb.logger = spdlog::default_logger();
    return cb;
}

}  // namespace

server_state::server_state(net_config c, listener_callbacks cb)
    : cfg(std::move(c)),
      callbacks(with_logger(std::move(cb))),
      log(*callbacks.logger),
      files(cfg.web_root.empty() ? std::nullopt : std::optional<static_files>(std::in_place, cfg.web_root)),
      wheel_(deadline_wheel::granularity_for(cfg)) {}

ws_slot server_state::try_reserve(reject_reason& why) {
    std::lock_guard lock(mutex_);
    if (shutting_down_.load(std::memory_order_relaxed)) {
        why = reject_reason::shutting_down;
        return {};
    }
    if (counters.ws_open.load(std::memory_order_relaxed) >= cfg.max_connections) {
        why = reject_reason::capacity;
        return {};
    }
    counters.ws_open.fetch_add(1, std::memory_order_relaxed);
    return ws_slot(shared_from_this());
}

void server_state::release() noexcept {
    std::vector<std::function<void()>> waiters;
    {
        std::lock_guard lock(mutex_);
        if (counters.ws_open.fetch_sub(1, std::memory_order_relaxed) == 1) waiters.swap(idle_waiters_);
    }
    for (auto& fn : waiters) fn();
}

bool server_state::http_admit(http_tracked& c, std::shared_ptr<http_tracked>& evicted) {
    std::lock_guard lock(mutex_);
    if (counters.http_open.load(std::memory_order_relaxed) >= cfg.max_http_connections) {
        // The oldest idle connection gives its place to `c` now; the caller
        // closes its socket. (At most max_http_connections to look through,
        // and only at the limit.)
        http_tracked* old = http_head_;
        while (old != nullptr && !old->idle_) old = old->next_http_;
        if (old == nullptr) {
            counters.http_refused.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        unlink_http_locked(*old);
        old->evicted_ = true;
        counters.http_evicted.fetch_add(1, std::memory_order_relaxed);
        // One being destroyed (lock() fails) needs no closing: it only had
        // not given its place back yet.
        evicted = old->lock();
    }
    c.counted_ = true;
    c.next_http_ = nullptr;
    c.prev_http_ = http_tail_;
    if (http_tail_ != nullptr) http_tail_->next_http_ = &c;
    else http_head_ = &c;
    http_tail_ = &c;
    counters.http_open.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void server_state::http_idle(http_tracked& c) {
    std::lock_guard lock(mutex_);
    if (!c.counted_ || c.idle_) return;
    c.idle_ = true;
    counters.http_idle.fetch_add(1, std::memory_order_relaxed);
}

bool server_state::http_busy(http_tracked& c) {
    std::lock_guard lock(mutex_);
    if (std::exchange(c.idle_, false)) counters.http_idle.fetch_sub(1, std::memory_order_relaxed);
    return !c.evicted_;
}

void server_state::http_release(http_tracked& c) noexcept {
    std::lock_guard lock(mutex_);
    unlink_http_locked(c);
}

void server_state::unlink_http_locked(http_tracked& c) noexcept {
    if (!c.counted_) return;
    c.counted_ = false;
    if (std::exchange(c.idle_, false)) counters.http_idle.fetch_sub(1, std::memory_order_relaxed);
    if (c.prev_http_ != nullptr) c.prev_http_->next_http_ = c.next_http_;
    else http_head_ = c.next_http_;
    if (c.next_http_ != nullptr) c.next_http_->prev_http_ = c.prev_http_;
    else http_tail_ = c.prev_http_;
    c.prev_http_ = c.next_http_ = nullptr;
    counters.http_open.fetch_sub(1, std::memory_order_relaxed);
}

bool server_state::origin_allowed(std::string_view origin, bool present) const {
    if (cfg.allowed_origins.empty()) return true;
    if (!present) return !cfg.require_origin;
    return std::any_of(cfg.allowed_origins.begin(), cfg.allowed_origins.end(),
                       [&](const std::string& o) { return iequals(o, origin); });
}

bool server_state::add(const std::shared_ptr<ws_connection>& c, std::uint16_t& late_code, std::string& late_reason) {
    std::lock_guard lock(mutex_);
    if (c->bucket_ == 0) {
        wheel_.insert(*c, 0);  // schedule() files it by its clocks
        ++open_count_;
    }
    if (!shutting_down_.load(std::memory_order_relaxed)) return true;
    late_code = close_code_;
    late_reason = close_reason_;
    return false;
}

void server_state::remove(ws_connection& c) {
    std::lock_guard lock(mutex_);
    if (c.bucket_ == 0) return;
    wheel_.erase(c);
    --open_count_;
}

std::vector<std::shared_ptr<ws_connection>> server_state::open_locked() const {
    std::vector<std::shared_ptr<ws_connection>> open;
    open.reserve(open_count_);
    // A connection whose last owner is gone but whose destructor has not
    // yet unlinked it cannot be locked: it is skipped.
    wheel_.for_each([&](ws_connection& n) {
        if (auto c = n.weak_from_this().lock()) open.push_back(std::move(c));
    });
    return open;
}

void server_state::set_waker(std::function<void(std::int64_t)> wake) {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

void server_state::schedule(ws_connection& c, std::int64_t due_ms) {
    if (due_ms == 0) return;
    std::function<void(std::int64_t)> wake;
    std::int64_t when = 0;
    {
        std::lock_guard lock(mutex_);
        if (c.bucket_ == 0 || !wheel_.schedule(c, due_ms)) return;
        wake = wake_;
        when = wheel_.next_wake_ms();
    }
    if (wake) wake(when);
}

std::int64_t server_state::run_due(std::int64_t now_ms) {
    counters.deadline_wakeups.fetch_add(1, std::memory_order_relaxed);
    std::vector<std::shared_ptr<ws_connection>> due;
    {
        std::vector<ws_connection*> taken;
        std::lock_guard lock(mutex_);
        wheel_.take_due(now_ms, taken);
        due.reserve(taken.size());
        for (ws_connection* n : taken)
            if (auto c = n->weak_from_this().lock()) due.push_back(std::move(c));
    }
    counters.deadline_checks.fetch_add(due.size(), std::memory_order_relaxed);
    // Outside the lock: tick() posts, and dropping the last owner here
    // unlinks (and locks).
    std::vector<std::int64_t> next(due.size());
    for (std::size_t k = 0; k < due.size(); ++k) next[k] = due[k]->tick(now_ms);
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < due.size(); ++k)
        if (next[k] != 0 && due[k]->bucket_ != 0) wheel_.schedule(*due[k], next[k]);
    return wheel_.next_wake_ms();
}

void server_state::close_all(std::uint16_t code, std::string reason) {
    std::vector<std::shared_ptr<ws_connection>> targets;
    {
        std::lock_guard lock(mutex_);
        if (!shutting_down_.load(std::memory_order_relaxed)) {
            close_code_ = code;
            close_reason_ = reason;
            shutting_down_.store(true, std::memory_order_release);
        }
        targets = open_locked();
    }
    // Outside the lock: close() only posts, but a connection's last owner
    // may be this vector.
    for (auto& c : targets) c->close(code, reason);
}

void server_state::when_all_closed(std::function<void()> fn) {
    {
        std::lock_guard lock(mutex_);
        if (counters.ws_open.load(std::memory_order_relaxed) != 0) {
            idle_waiters_.push_back(std::move(fn));
            return;
        }
    }
    fn();
}

}  // namespace chatd::net
