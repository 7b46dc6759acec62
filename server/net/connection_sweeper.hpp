#pragma once

// Internal to net/: one timer for the clocks of every WebSocket connection
// (idle timeout, keep-alive pings, close timeout), instead of timers in each
// connection: an idle connection then holds no timer and no pending timer
// operation. Names Asio types: include it only from net/*.cpp files.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/server_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>

namespace chatd::net::detail {

class connection_sweeper : public std::enable_shared_from_this<connection_sweeper> {
public:
    connection_sweeper(boost::asio::io_context& io, std::weak_ptr<server_state> state);

    /// Starts the rounds; stop() ends them. Thread-safe.
    void start();
    void stop();

    /// How often a round runs for `cfg`: a quarter of the shortest clock,
    /// between 10 ms and 1 s. Pure.
    static std::chrono::milliseconds period_for(const net_config& cfg) noexcept;

private:
    void arm();

    std::weak_ptr<server_state> state_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds period_;
    bool stopped_ = false;  // on the strand
};

}  // namespace chatd::net::detail
