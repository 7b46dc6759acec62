#pragma once

#include "connection.hpp"
#include "run_plan.hpp"
#include "shard_stats.hpp"

#include <utility>  // before Boost (docs/architecture.md)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <future>
#include <memory>
#include <random>
#include <simdjson.h>
#include <thread>
#include <vector>

namespace chatd::load {

/// One I/O thread with its io_context and the connections it runs, and the
/// stats they count. Nothing in it is shared with other threads: the runner
/// asks for figures by posting to the io_context and waiting on a future.
class shard {
public:
    /// `ramp_per_s`: how fast this process opens connections (0: at once);
    /// `t0`: when the first opens.
    shard(std::size_t index, const run_plan& plan, double ramp_per_s, steady::time_point t0);
    ~shard();
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;

    /// Before run(): this shard opens `role` as the process's `order`-th
    /// connection (the ramp's order).
    void add(connection_role role, std::uint64_t order);

    /// Starts the thread: the ramp begins.
    void run();

    /// Thread-safe. This second's figures (and resets them).
    std::future<shard_report> report();

    /// Thread-safe. Sequence accounting summed over the connections, with the
    /// rest of the run's totals.
    std::future<run_result> totals();

    /// Thread-safe. Closes every connection; the future is ready when all
    /// have ended. The runner then calls stop().
    std::future<void> close_all();

    /// Thread-safe. Stops the thread (whatever is still open is dropped) and joins it.
    void stop();

    // For connections, on this shard's thread only.
    boost::asio::io_context& io() noexcept { return io_; }
    const run_plan& plan() const noexcept { return plan_; }
    shard_stats& stats() noexcept { return stats_; }
    simdjson::dom::parser& parser() noexcept { return parser_; }
    std::mt19937_64& random() noexcept { return random_; }
    /// A started connection has ended (closed, failed or given up).
    void connection_ended();

private:
    struct pending_start {
        connection_role role;
        steady::time_point due;
    };
    void do_ramp();
    void signal_if_closed();

    boost::asio::io_context io_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    const run_plan& plan_;
    double ramp_per_s_;
    steady::time_point t0_;
    boost::asio::steady_timer ramp_timer_;
    std::vector<pending_start> pending_;  // in due order
    std::size_t next_start_ = 0;
    std::vector<std::shared_ptr<connection>> connections_;
    std::size_t live_ = 0;  // started and not ended
    bool closing_ = false;
    std::promise<void> closed_;
    bool closed_signalled_ = false;
    shard_stats stats_;
    simdjson::dom::parser parser_;
    std::mt19937_64 random_;
    std::thread thread_;
};

}  // namespace chatd::load
