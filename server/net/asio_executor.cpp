// <utility> first: Boost 1.74's Asio uses std::exchange without including it
// (see docs/architecture.md).
#include <utility>

#include "net/asio_executor.hpp"

#include "act/timer_queue.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cassert>
#include <exception>
#include <mutex>

namespace chatd::net {

namespace {

/// The handler posted for one actor turn. It owns the resumable until it
/// runs; destroyed unrun (io_context destroyed with it still queued), it
/// abandons it, so every post ends in exactly one resume() or abandon().
class turn {
public:
    explicit turn(act::resumable* r) noexcept : r_(r) {}
    turn(turn&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
    turn(const turn&) = delete;
    turn& operator=(const turn&) = delete;
    turn& operator=(turn&&) = delete;
    ~turn() {
        if (r_ != nullptr) r_->abandon();
    }
    void operator()() {
        // Released before resuming: once it runs, the turn is the cell's,
        // whatever resume() does.
        std::exchange(r_, nullptr)->resume();
    }

private:
    act::resumable* r_;
};

thread_local const io_threads* current_threads = nullptr;

}  // namespace

// ---- timers -------------------------------------------------------------------

/// The timer queue and the one Asio timer armed for its earliest deadline.
/// Shared by the executor and the outstanding wait's handler, so a wait that
/// completes after the executor is gone finds live (closed) state.
struct asio_executor::timers : std::enable_shared_from_this<timers> {
    explicit timers(boost::asio::io_context& io) : timer(io) {}

    /// Arms the Asio timer for `when`, replacing any outstanding wait (whose
    /// handler then finds a stale generation and does nothing). Lock held.
    void arm(act::time_point when) {
        armed_for = when;
        const std::uint64_t gen = ++generation;
        timer.expires_at(when);
        timer.async_wait([self = shared_from_this(), gen](const boost::system::error_code&) { self->on_wait(gen); });
    }

    /// The current wait completed: fires what is due and re-arms for the
    /// next deadline. An error (cancelled) needs no special case: a stale or
    /// closed wait returns here, and a current one just looks at the queue.
    void on_wait(std::uint64_t gen) {
        std::vector<std::function<void()>> due;
        {
            std::lock_guard lock(mutex);
            if (closed || gen != generation) return;
            armed_for = act::time_point::max();
            const auto now = act::clock::now();
            while (auto fn = queue.pop_due(now)) due.push_back(std::move(fn));
            if (auto next = queue.next_due()) arm(*next);
        }
        // Outside the lock: a timer's function may schedule or cancel timers.
        // One that throws does not stop the others; the first exception goes
        // on to the io thread's run loop, which logs it.
        std::exception_ptr first_error;
        for (auto& fn : due) {
            try {
                fn();
            } catch (...) {
                if (!first_error) first_error = std::current_exception();
            }
            fn = nullptr;  // releases what it holds now, not after the batch
        }
        if (first_error) std::rethrow_exception(first_error);
    }

    mutable std::mutex mutex;
    act::timer_queue queue;
    boost::asio::steady_timer timer;
    act::time_point armed_for = act::time_point::max();  // the outstanding wait's deadline
    std::uint64_t generation = 0;                        // of the outstanding wait
    bool closed = false;                                 // the executor is gone
};

// ---- asio_executor ------------------------------------------------------------

asio_executor::asio_executor(boost::asio::io_context& io) : io_(io), timers_(std::make_shared<timers>(io)) {}

asio_executor::~asio_executor() {
    act::timer_queue dropped;  // destroyed after the lock: the functions may release cells
    std::lock_guard lock(timers_->mutex);
    timers_->closed = true;
    std::swap(dropped, timers_->queue);
    timers_->timer.cancel();
}

void asio_executor::post(act::resumable* r) { boost::asio::post(io_, turn(r)); }

act::time_point asio_executor::now() const { return act::clock::now(); }

act::timer_token asio_executor::schedule_at(act::time_point when, std::function<void()> fn) {
    std::lock_guard lock(timers_->mutex);
    const act::timer_token t = timers_->queue.add(when, std::move(fn));
    // Only an earlier deadline re-arms: asks with one timeout schedule in
    // increasing order and never touch the Asio timer while one is armed.
    if (when < timers_->armed_for) timers_->arm(when);
    return t;
}

void asio_executor::cancel(act::timer_token t) {
    std::function<void()> dropped;  // destroyed after the lock: it may release a cell
    std::lock_guard lock(timers_->mutex);
    // The Asio timer stays armed: waking once to find nothing due is cheaper
    // than re-arming on every cancelled ask.
    dropped = timers_->queue.take(t);
}

std::size_t asio_executor::pending_timers() const {
    std::lock_guard lock(timers_->mutex);
    return timers_->queue.size();
}

// ---- io_threads ---------------------------------------------------------------

struct io_threads::guard {
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
};

io_threads::io_threads(boost::asio::io_context& io, std::size_t count, std::string name)
    : io_(io), guard_(std::make_unique<guard>(guard{boost::asio::make_work_guard(io)})) {
    if (count == 0) count = 1;
    threads_.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        threads_.emplace_back([this, i, name] {
            // Linux limits thread names to 15 characters.
            const std::string thread_name = (name + "-" + std::to_string(i)).substr(0, 15);
            pthread_setname_np(pthread_self(), thread_name.c_str());
            current_threads = this;
            for (;;) {
                // A handler that throws ends run() on this thread only; log
                // it and carry on, or one bad handler would cost a thread.
                try {
                    io_.run();
                    return;  // stopped
                } catch (const std::exception& e) {
                    spdlog::error("io thread {}: handler threw: {}", thread_name, e.what());
                } catch (...) {
                    spdlog::error("io thread {}: handler threw a non-exception", thread_name);
                }
            }
        });
}

io_threads::~io_threads() { stop(); }

void io_threads::stop() {
    assert(!on_io_thread() && "io_threads::stop() would join its own thread");
    guard_.reset();
    io_.stop();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

bool io_threads::on_io_thread() const noexcept { return current_threads == this; }

}  // namespace chatd::net
