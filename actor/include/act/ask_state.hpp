#pragma once

#include "act/executor.hpp"
#include "act/result.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace act {

/// The shared state of one ask: completed exactly once, by the reply, the
/// timeout or the message's rejection, whichever comes first. Thread-safe.
template <class R>
class ask_state {
public:
    explicit ask_state(std::function<void(result<R>)> on_done) : on_done_(std::move(on_done)) {}

    /// Arms the timeout on `exec`. Call before the request is sent.
    static void arm_timeout(const std::shared_ptr<ask_state>& self, executor& exec, duration timeout) {
        self->timer_exec_ = &exec;
        self->timer_ = exec.schedule_at(exec.now() + timeout,
                                        [self] { self->complete(errc::timeout); });
    }

    /// Delivers the outcome; false when another outcome came first.
    bool complete(result<R> r) {
        if (done_.exchange(true, std::memory_order_acq_rel)) return false;
        if (timer_exec_ != nullptr) timer_exec_->cancel(timer_);
        auto fn = std::move(on_done_);
        fn(std::move(r));
        return true;
    }

private:
    std::atomic<bool> done_{false};
    std::function<void(result<R>)> on_done_;
    executor* timer_exec_ = nullptr;
    timer_token timer_;
};

/// What plain (non-actor) code waits on for an ask's outcome.
template <class R>
struct future_box {
    std::mutex mutex;
    std::condition_variable ready;
    std::optional<result<R>> value;
};

/// The outcome of an ask made from plain code. get() blocks the calling
/// thread (or drives the executor, when it is the deterministic one); actors
/// use actor_base::ask with a continuation instead, which never blocks.
template <class R>
class ask_future {
public:
    ask_future(std::shared_ptr<future_box<R>> box, executor* exec)
        : box_(std::move(box)), exec_(exec) {}

    /// True once the outcome is known. Thread-safe.
    bool ready() const {
        std::lock_guard lock(box_->mutex);
        return box_->value.has_value();
    }

    /// Waits for the outcome (a reply, or the error: timeout, dead, ...).
    result<R> get() {
        if (exec_ != nullptr && exec_->driven_by_caller()) {
            while (!ready() && exec_->drive_one()) {
            }
        }
        std::unique_lock lock(box_->mutex);
        box_->ready.wait(lock, [&] { return box_->value.has_value(); });
        return std::move(*box_->value);
    }

private:
    std::shared_ptr<future_box<R>> box_;
    executor* exec_;
};

}  // namespace act
