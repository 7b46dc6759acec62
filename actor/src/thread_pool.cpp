#include "act/thread_pool.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <utility>

namespace act {

namespace {
// Which pool and worker the current thread belongs to, for local posting.
thread_local const thread_pool* current_pool = nullptr;
thread_local std::size_t current_worker = 0;
thread_local resumable* current_turn = nullptr;  // what this worker is running

void name_thread(const std::string& name) {
    // Linux limits thread names to 15 characters.
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

void set_priority(thread_priority priority) {
#if defined(__linux__)
    if (priority != thread_priority::batch) return;
    const sched_param param{};  // SCHED_BATCH takes priority 0
    // Best effort: a thread that stays normal is slower, never wrong.
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
#else
    (void)priority;
#endif
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

constexpr int k_max_lifo_streak = 16;  // then the queue gets its turn
constexpr std::size_t k_steal_batch = 16;
}  // namespace

struct alignas(128) thread_pool::worker {
    // Posting is one atomic exchange; popping belongs to whoever holds
    // `consuming`: the owner, or a thief.
    mpsc_queue inbox;
    alignas(64) std::atomic<bool> consuming{false};
    // The turn this worker's running actor just made ready: run next, here,
    // while its message is hot in cache (a ping-pong stays on one core).
    // Owner thread only; never stolen.
    resumable* lifo = nullptr;
    int lifo_streak = 0;

    resumable* try_pop() noexcept {
        if (inbox.empty() || consuming.exchange(true, std::memory_order_acquire)) return nullptr;
        auto* r = static_cast<resumable*>(inbox.pop());
        consuming.store(false, std::memory_order_release);
        return r;
    }

    /// Takes up to k_steal_batch turns from this (another worker's) queue:
    /// returns the first, moves the rest to `thief`, so a thief touches the
    /// victim's queue once per batch, not once per turn.
    resumable* steal_into(worker& thief) noexcept {
        if (inbox.empty() || consuming.exchange(true, std::memory_order_acquire)) return nullptr;
        auto* first = static_cast<resumable*>(inbox.pop());
        if (first != nullptr)
            for (std::size_t i = 1; i < k_steal_batch; ++i) {
                auto* r = static_cast<resumable*>(inbox.pop());
                if (r == nullptr) break;
                thief.inbox.push(r);
            }
        consuming.store(false, std::memory_order_release);
        return first;
    }
};

thread_pool::thread_pool(std::size_t threads, std::string name, int spins, thread_priority priority)
    : spins_(spins) {
    if (threads == 0) threads = 1;
    for (std::size_t i = 0; i < threads; ++i) workers_.push_back(std::make_unique<worker>());
    for (std::size_t i = 0; i < threads; ++i)
        threads_.emplace_back([this, i, name, priority] {
            name_thread(name + "-" + std::to_string(i));
            set_priority(priority);
            run_worker(i);
        });
    timer_thread_ = std::thread([this, name, priority] {
        name_thread(name + "-timer");
        set_priority(priority);
        run_timers();
    });
}

thread_pool::~thread_pool() {
    {
        std::lock_guard lock(timer_mutex_);
        timers_stopping_ = true;
    }
    timer_wake_.notify_all();
    timer_thread_.join();
    {
        std::lock_guard lock(sleep_mutex_);
        stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    for (auto& w : workers_)
        while (auto* r = static_cast<resumable*>(w->inbox.pop())) r->abandon();
}

void thread_pool::post(resumable* r) {
    const bool local = current_pool == this;
    const std::size_t index = local ? current_worker : next_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
    worker& w = *workers_[index];
    if (local && r != current_turn) {  // a yielding actor goes to the back of the queue instead
        r = std::exchange(w.lifo, r);
        if (r == nullptr) return;
    }
    w.inbox.push(r);  // a seq_cst exchange: pairs with the sleeper's check in run_worker
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
        std::lock_guard lock(sleep_mutex_);
        wake_.notify_one();
    }
}

bool thread_pool::anything_queued() const noexcept {
    return std::any_of(workers_.begin(), workers_.end(), [](const auto& w) { return !w->inbox.empty(); });
}

resumable* thread_pool::take(std::size_t index) {
    worker& own = *workers_[index];
    if (own.lifo != nullptr) {
        if (++own.lifo_streak <= k_max_lifo_streak) return std::exchange(own.lifo, nullptr);
        own.lifo_streak = 0;
        own.inbox.push(std::exchange(own.lifo, nullptr));
    } else {
        own.lifo_streak = 0;
    }
    if (auto* r = own.try_pop()) return r;
    const std::size_t n = workers_.size();
    for (std::size_t k = 1; k < n; ++k)
        if (auto* r = workers_[(index + k) % n]->steal_into(own)) return r;
    return nullptr;
}

void thread_pool::run_worker(std::size_t index) {
    current_pool = this;
    current_worker = index;
    for (;;) {
        resumable* r = take(index);
        // Poll briefly before sleeping: a partner usually posts within
        // microseconds, and waking a sleeper costs a system call.
        for (int spin = 0; r == nullptr && spin < spins_; ++spin) {
            cpu_relax();
            if (anything_queued()) r = take(index);
        }
        if (r == nullptr) {
            std::unique_lock lock(sleep_mutex_);
            sleepers_.fetch_add(1, std::memory_order_seq_cst);
            // Our increment and a poster's push are both seq_cst: either it
            // sees a sleeper and wakes us, or we see its item here.
            while ((r = take(index)) == nullptr && !stopping_.load()) {
                if (anything_queued()) {  // popping raced with a producer or a thief: look again
                    lock.unlock();
                    cpu_relax();
                    lock.lock();
                    continue;
                }
                wake_.wait(lock);
            }
            sleepers_.fetch_sub(1, std::memory_order_relaxed);
        }
        if (r == nullptr) return;  // stopping, and nothing left to run
        current_turn = r;
        r->resume();
        current_turn = nullptr;
    }
}

timer_token thread_pool::schedule_at(time_point when, std::function<void()> fn) {
    std::lock_guard lock(timer_mutex_);
    timer_token t = timers_.add(when, std::move(fn));
    // The timer thread wakes by itself at timer_sleeps_until_ and then looks
    // again, so only an earlier timer needs to wake it (cancelled asks with
    // the same timeout never do).
    if (when < timer_sleeps_until_) {
        timer_sleeps_until_ = when;
        timer_wake_.notify_one();
    }
    return t;
}

void thread_pool::cancel(timer_token t) {
    std::function<void()> dropped;  // destroyed outside the lock: it may release a cell
    std::lock_guard lock(timer_mutex_);
    dropped = timers_.take(t);
}

void thread_pool::run_timers() {
    std::unique_lock lock(timer_mutex_);
    while (!timers_stopping_) {
        if (auto fn = timers_.pop_due(clock::now())) {
            lock.unlock();
            fn();
            fn = nullptr;
            lock.lock();
            continue;
        }
        const auto due = timers_.next_due();
        timer_sleeps_until_ = due ? *due : time_point::max();
        if (due)
            timer_wake_.wait_until(lock, *due);
        else
            timer_wake_.wait(lock);
    }
    timers_.clear();
}

}  // namespace act
