#pragma once

// Internal to net/: one timer for the clocks of every WebSocket connection
// (idle timeout, keep-alive pings, close timeout), armed for the earliest
// bucket of server_state's deadline wheel and for nothing else: an idle
// server whose connections have nothing due is never woken, and a
// connection holds no timer and no pending timer operation. Names Asio
// types: include it only from net/*.cpp files.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/server_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <cstdint>
#include <memory>

namespace chatd::net::detail {

class connection_sweeper : public std::enable_shared_from_this<connection_sweeper> {
public:
    connection_sweeper(boost::asio::io_context& io, std::weak_ptr<server_state> state);

    /// Starts waking for due connections; stop() ends it. Thread-safe.
    void start();
    void stop();

private:
    // On the strand: waits until `wake_ms` (steady ms) unless already
    // waiting for that or earlier.
    void arm(std::int64_t wake_ms);
    void on_timer();

    std::weak_ptr<server_state> state_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::steady_timer timer_;
    std::int64_t armed_ms_ = 0;  // on the strand; 0: not waiting
    bool started_ = false;       // on the strand
    bool stopped_ = false;       // on the strand
};

}  // namespace chatd::net::detail
