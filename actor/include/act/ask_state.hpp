#pragma once

#include "act/executor.hpp"
#include "act/result.hpp"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>

namespace act {

/// The shared state of one ask: completed exactly once, by the reply, the
/// timeout or the message's rejection, whichever comes first. Thread-safe.
template <class R>
class ask_state {
public:
    ask_state() = default;
    ask_state(const ask_state&) = delete;
    ask_state& operator=(const ask_state&) = delete;
    virtual ~ask_state() = default;

    /// Arms the timeout on `exec`. Call before the request is sent.
    static void arm_timeout(const std::shared_ptr<ask_state>& self, executor& exec, duration timeout) {
        const timer_token t = exec.schedule_at(exec.now() + timeout, [self] { self->time_out(); });
        // Only outcomes that come after the request was sent read these, and
        // the timer's own outcome does not.
        self->timer_ = t;
        self->timer_exec_ = &exec;
    }

    /// Delivers the outcome; false when another outcome came first.
    bool complete(result<R> r) {
        if (done_.exchange(true, std::memory_order_acq_rel)) return false;
        if (timer_exec_ != nullptr) timer_exec_->cancel(timer_);
        deliver(std::move(r));
        return true;
    }

    /// The timeout's outcome (from the timer, which needs no cancelling).
    void time_out() {
        if (done_.exchange(true, std::memory_order_acq_rel)) return;
        deliver(errc::timeout);
    }

protected:
    /// Called once, on whichever thread completed the ask.
    virtual void deliver(result<R> r) = 0;

private:
    std::atomic<bool> done_{false};
    executor* timer_exec_ = nullptr;
    timer_token timer_;
};

/// The right to answer one ask, handed to handlers of `replies_later`
/// messages. Move-only; answering twice is a no-op. Dropping it unanswered
/// fails the ask with errc::unanswered. Empty (and a no-op) for a tell.
template <class R>
class promise {
public:
    promise() = default;
    explicit promise(std::shared_ptr<ask_state<R>> state) noexcept
        : state_(std::move(state)), uncaught_(std::uncaught_exceptions()) {}
    promise(promise&& o) noexcept : state_(std::move(o.state_)), uncaught_(o.uncaught_) {}
    promise& operator=(promise&& o) noexcept {
        if (this != &o) {
            drop();
            state_ = std::move(o.state_);
            uncaught_ = o.uncaught_;
        }
        return *this;
    }
    promise(const promise&) = delete;
    promise& operator=(const promise&) = delete;
    ~promise() { drop(); }

    /// Sends the reply. Thread-safe.
    void deliver(R value) {
        if (auto s = std::move(state_)) s->complete(result<R>(std::move(value)));
    }
    /// Fails the ask with `why`.
    void fail(errc why) {
        if (auto s = std::move(state_)) s->complete(why);
    }
    /// False for a tell, or once answered.
    bool pending() const noexcept { return static_cast<bool>(state_); }

private:
    void drop() {
        // Destroyed by an exception leaving the handler: the handler failed.
        const bool failing = std::uncaught_exceptions() > uncaught_;
        if (auto s = std::move(state_)) s->complete(failing ? errc::handler_failed : errc::unanswered);
    }
    std::shared_ptr<ask_state<R>> state_;
    int uncaught_ = 0;
};

/// An ask made from plain code: the outcome waits here for ask_future.
template <class R>
class future_state final : public ask_state<R> {
public:
    bool ready() const {
        std::lock_guard lock(mutex_);
        return value_.has_value();
    }
    result<R> wait() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return value_.has_value(); });
        return std::move(*value_);
    }

private:
    void deliver(result<R> r) override {
        {
            std::lock_guard lock(mutex_);
            value_.emplace(std::move(r));
        }
        ready_.notify_all();
    }

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::optional<result<R>> value_;
};

/// The outcome of an ask made from plain code. get() blocks the calling
/// thread (or drives the executor, when it is the deterministic one); actors
/// use actor_base::ask with a continuation instead, which never blocks.
template <class R>
class ask_future {
public:
    ask_future(std::shared_ptr<future_state<R>> state, executor* exec) : state_(std::move(state)), exec_(exec) {}

    /// True once the outcome is known. Thread-safe.
    bool ready() const { return state_->ready(); }

    /// Waits for the outcome (a reply, or the error: timeout, dead, ...).
    result<R> get() {
        if (exec_ != nullptr && exec_->driven_by_caller()) {
            while (!ready() && exec_->drive_one()) {
            }
        }
        return state_->wait();
    }

private:
    std::shared_ptr<future_state<R>> state_;
    executor* exec_;
};

}  // namespace act
