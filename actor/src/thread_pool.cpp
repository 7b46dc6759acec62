#include "act/thread_pool.hpp"

#include <pthread.h>

namespace act {

namespace {
// Which pool and worker the current thread belongs to, for local posting.
thread_local const thread_pool* current_pool = nullptr;
thread_local std::size_t current_worker = 0;

void name_thread(const std::string& name) {
    // Linux limits thread names to 15 characters.
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}
}  // namespace

struct thread_pool::worker {
    std::mutex mutex;
    std::deque<resumable*> queue;
};

thread_pool::thread_pool(std::size_t threads, std::string name) {
    if (threads == 0) threads = 1;
    for (std::size_t i = 0; i < threads; ++i) workers_.push_back(std::make_unique<worker>());
    for (std::size_t i = 0; i < threads; ++i)
        threads_.emplace_back([this, i, name] {
            name_thread(name + "-" + std::to_string(i));
            run_worker(i);
        });
    timer_thread_ = std::thread([this, name] {
        name_thread(name + "-timer");
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
        for (resumable* r : w->queue) r->abandon();
}

void thread_pool::post(resumable* r) {
    const std::size_t index = current_pool == this ? current_worker
                                                   : next_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
    {
        std::lock_guard lock(workers_[index]->mutex);
        workers_[index]->queue.push_back(r);
    }
    // Pairs with the sleeper's check in run_worker: one of us sees the other.
    pending_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
        std::lock_guard lock(sleep_mutex_);
        wake_.notify_one();
    }
}

resumable* thread_pool::take(std::size_t index) {
    const std::size_t n = workers_.size();
    for (std::size_t k = 0; k < n; ++k) {
        worker& w = *workers_[(index + k) % n];
        std::lock_guard lock(w.mutex);
        if (w.queue.empty()) continue;
        resumable* r;
        if (k == 0) {  // own queue: oldest first, so a yielding actor goes to the back
            r = w.queue.front();
            w.queue.pop_front();
        } else {  // steal from the far end
            r = w.queue.back();
            w.queue.pop_back();
        }
        pending_.fetch_sub(1, std::memory_order_relaxed);
        return r;
    }
    return nullptr;
}

void thread_pool::run_worker(std::size_t index) {
    current_pool = this;
    current_worker = index;
    for (;;) {
        resumable* r = take(index);
        if (r == nullptr) {
            // Spin briefly: a ping-pong partner usually posts within microseconds.
            for (int spin = 0; spin < 64 && r == nullptr; ++spin) {
                if (pending_.load(std::memory_order_relaxed) > 0) r = take(index);
                if (r == nullptr) std::this_thread::yield();
            }
        }
        if (r != nullptr) {
            r->resume();
            continue;
        }
        std::unique_lock lock(sleep_mutex_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        while (pending_.load(std::memory_order_seq_cst) == 0 && !stopping_.load())
            wake_.wait(lock);
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        if (stopping_.load() && pending_.load() == 0) return;
    }
}

timer_token thread_pool::schedule_at(time_point when, std::function<void()> fn) {
    std::lock_guard lock(timer_mutex_);
    const auto first = timers_.next_due();
    timer_token t = timers_.add(when, std::move(fn));
    if (!first || when < *first) timer_wake_.notify_one();
    return t;
}

void thread_pool::cancel(timer_token t) {
    std::function<void()> dropped;  // destroyed outside the lock: it may release a cell
    {
        std::lock_guard lock(timer_mutex_);
        dropped = timers_.take(t);
    }
}

void thread_pool::run_timers() {
    std::unique_lock lock(timer_mutex_);
    while (!timers_stopping_) {
        const auto due = timers_.next_due();
        if (!due) {
            timer_wake_.wait(lock);
            continue;
        }
        if (auto fn = timers_.pop_due(clock::now())) {
            lock.unlock();
            fn();
            fn = nullptr;
            lock.lock();
            continue;
        }
        timer_wake_.wait_until(lock, *due);
    }
    timers_.clear();
}

}  // namespace act
