#include "act/manual_executor.hpp"

namespace act {

manual_executor::~manual_executor() {
    for (resumable* r : queue_) r->abandon();
}

void manual_executor::post(resumable* r) {
    std::lock_guard lock(mutex_);
    queue_.push_back(r);
}

time_point manual_executor::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

timer_token manual_executor::schedule_at(time_point when, std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    return timers_.add(when, std::move(fn));
}

void manual_executor::cancel(timer_token t) {
    std::function<void()> dropped;  // destroyed outside the lock
    std::lock_guard lock(mutex_);
    dropped = timers_.take(t);
}

bool manual_executor::run_one() {
    resumable* r = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return false;
        r = queue_.front();
        queue_.pop_front();
    }
    r->resume();
    return true;
}

std::size_t manual_executor::run() {
    std::size_t n = 0;
    while (run_one()) ++n;
    return n;
}

bool manual_executor::fire_next_due(time_point limit) {
    std::function<void()> fn;
    {
        std::lock_guard lock(mutex_);
        const auto due = timers_.next_due();
        if (!due || *due > limit) return false;
        if (*due > now_) now_ = *due;
        fn = timers_.pop_due(now_);
    }
    fn();
    return true;
}

std::size_t manual_executor::advance(duration d) {
    const time_point target = now() + d;
    std::size_t n = run();
    while (fire_next_due(target)) n += run();
    std::lock_guard lock(mutex_);
    now_ = target;
    return n;
}

bool manual_executor::drive_one() {
    if (run_one()) return true;
    return fire_next_due(time_point::max());
}

std::size_t manual_executor::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t manual_executor::pending_timers() const {
    std::lock_guard lock(mutex_);
    return timers_.size();
}

}  // namespace act
