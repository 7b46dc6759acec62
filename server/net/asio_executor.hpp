#pragma once

// The actor executor backed by an Asio io_context: actor turns and socket
// completions run on the same threads, with no hop between them.
// Only Asio's io_context is named here (forward-declared): the header stays
// cheap for the many files that include it.

#include "act/executor.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace chatd::net {

/// An act::executor whose turns and timers run on whichever threads run the
/// io_context. Every member is thread-safe.
///
/// A posted turn is never lost: it is resumed by an io thread, or, if the
/// io_context is destroyed (or stopped and then destroyed) before it runs,
/// abandoned when Asio destroys the pending handler.
///
/// Timers live in one act::timer_queue under a mutex, with a single Asio
/// timer armed for the earliest deadline, so thousands of ask timeouts cost
/// one map entry each, not one Asio timer each. They fire on an io thread.
/// Timers still pending when the executor is destroyed are dropped unfired.
///
/// The io_context must outlive the executor, and the executor must outlive
/// every actor system and actor using it. Shut down in this order:
///   1. system.shutdown()         every actor terminates (io threads running)
///   2. io_threads.stop()         the io_context stops, threads joined
///   3. ~asio_executor            pending timers dropped unfired
///   4. ~io_context               queued turns abandoned, handlers destroyed
/// which is what declaring io_context, asio_executor, io_threads, system in
/// that order and letting them go out of scope does.
class asio_executor final : public act::executor {
public:
    explicit asio_executor(boost::asio::io_context& io);
    ~asio_executor() override;
    asio_executor(const asio_executor&) = delete;
    asio_executor& operator=(const asio_executor&) = delete;

    /// Queues r->resume() on the io_context (r->abandon() if it never runs).
    void post(act::resumable* r) override;
    /// steady_clock.
    act::time_point now() const override;
    /// Calls fn on an io thread at or after `when` (at once if already due).
    act::timer_token schedule_at(act::time_point when, std::function<void()> fn) override;
    /// Drops a pending timer; a no-op for a fired, cancelled or unknown token.
    /// The timer's function is destroyed by the calling thread.
    void cancel(act::timer_token t) override;

    /// Timers not yet fired or cancelled (for tests and metrics).
    std::size_t pending_timers() const;

    boost::asio::io_context& context() const noexcept { return io_; }

private:
    struct timers;  // shared with the Asio timer's completion handler

    boost::asio::io_context& io_;
    std::shared_ptr<timers> timers_;
};

/// Runs an io_context on N threads, kept busy by a work guard until stop().
/// Owned by main; one per io_context.
class io_threads {
public:
    /// Starts `count` threads (at least 1) running `io`, named `name-<i>`.
    io_threads(boost::asio::io_context& io, std::size_t count, std::string name = "io");
    /// stop().
    ~io_threads();
    io_threads(const io_threads&) = delete;
    io_threads& operator=(const io_threads&) = delete;

    /// Stops the io_context and joins the threads. Handlers still queued
    /// stay queued (actor turns among them are abandoned when the io_context
    /// is destroyed). Idempotent. The owner's thread only, never an io thread.
    void stop();

    std::size_t size() const noexcept { return threads_.size(); }
    /// True on one of these threads.
    bool on_io_thread() const noexcept;

private:
    struct guard;  // the work guard, kept out of this header

    boost::asio::io_context& io_;
    std::unique_ptr<guard> guard_;
    std::vector<std::thread> threads_;
};

}  // namespace chatd::net
