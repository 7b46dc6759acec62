#include <utility>  // before Boost: see docs/architecture.md

#include "net/listener.hpp"

#include "metrics/registry.hpp"
#include "net/connection_sweeper.hpp"
#include "net/http_session.hpp"
#include "net/server_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace chatd::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Accepts on a strand of its own; every member below the constructor's
// arguments is touched only on that strand (start() runs before any
// handler exists).
struct listener::accept_loop : std::enable_shared_from_this<accept_loop> {
    accept_loop(asio::io_context& io, std::shared_ptr<server_state> s)
        : io_(io), state_(std::move(s)), strand_(asio::make_strand(io)), acceptor_(strand_), backoff_(strand_) {}

    void open() {
        const tcp::endpoint at(asio::ip::make_address(state_->cfg.address), state_->cfg.port);
        acceptor_.open(at.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(at);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        port_.store(acceptor_.local_endpoint().port(), std::memory_order_release);
        state_->log.info("listening on {}:{}", state_->cfg.address, port());
        asio::post(strand_, [self = shared_from_this()] { self->do_accept(); });
    }

    void stop() {
        asio::post(strand_, [self = shared_from_this()] {
            if (self->stopped_) return;
            self->stopped_ = true;
            boost::system::error_code ec;
            self->acceptor_.close(ec);
            self->backoff_.cancel();
            self->state_->log.info("stopped accepting on port {}", self->port());
        });
    }

    std::uint16_t port() const noexcept { return port_.load(std::memory_order_acquire); }

private:
    void do_accept() {
        if (stopped_) return;
        auto then = [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        };
        // Each connection gets a strand of its own, unless one thread runs
        // every handler anyway.
        if (state_->cfg.one_io_thread) acceptor_.async_accept(io_, std::move(then));
        else acceptor_.async_accept(asio::make_strand(io_), std::move(then));
    }

    void on_accept(boost::system::error_code ec, tcp::socket socket) {
        if (stopped_) return;
        if (ec) {
            // EMFILE and friends: the pending connection stays in the
            // backlog and the acceptor stays readable, so retrying at once
            // would spin. Log the first failure of a run, back off, retry.
            state_->counters.accept_errors.fetch_add(1, std::memory_order_relaxed);
            if (failures_++ == 0)
                state_->log.warn("accept failed: {}; retrying every {} ms", ec.message(),
                                 state_->cfg.accept_backoff.count());
            backoff_.expires_after(state_->cfg.accept_backoff);
            backoff_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
                if (!wait_ec) self->do_accept();
            });
            return;
        }
        if (failures_ > 0) {
            state_->log.info("accepting again after {} failed accepts", failures_);
            failures_ = 0;
        }
        state_->counters.accepted.fetch_add(1, std::memory_order_relaxed);
        boost::system::error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);  // chat frames are small and latency-bound
        detail::run_http_session(state_, std::move(socket));
        do_accept();
    }

    asio::io_context& io_;
    std::shared_ptr<server_state> state_;
    asio::strand<asio::io_context::executor_type> strand_;
    tcp::acceptor acceptor_;
    asio::steady_timer backoff_;
    std::atomic<std::uint16_t> port_{0};
    bool stopped_ = false;
    std::uint64_t failures_ = 0;  // in a row
};

listener::listener(asio::io_context& io, net_config cfg, listener_callbacks cb) {
    if (!cb.make_session) throw std::invalid_argument("listener: make_session is required");
    state_ = std::make_shared<server_state>(std::move(cfg), std::move(cb));
    loop_ = std::make_shared<accept_loop>(io, state_);
    sweeper_ = std::make_shared<detail::connection_sweeper>(io, state_);
}

listener::~listener() {
    stop_accepting();
    sweeper_->stop();
}

void listener::start() {
    loop_->open();
    sweeper_->start();
}

std::uint16_t listener::port() const noexcept { return loop_->port(); }

void listener::stop_accepting() { loop_->stop(); }

void listener::close_all(std::uint16_t code, std::string reason) { state_->close_all(code, std::move(reason)); }

void listener::when_all_closed(std::function<void()> fn) { state_->when_all_closed(std::move(fn)); }

std::size_t listener::open_connections() const noexcept {
    return static_cast<std::size_t>(state_->counters.ws_open.load(std::memory_order_relaxed));
}

net_stats listener::stats() const noexcept {
    const auto& c = state_->counters;
    const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    net_stats s;
    s.accepted = get(c.accepted);
    s.accept_errors = get(c.accept_errors);
    s.http_requests = get(c.http_requests);
    s.http_open = get(c.http_open);
    s.http_idle = get(c.http_idle);
    s.http_evicted = get(c.http_evicted);
    s.http_refused = get(c.http_refused);
    s.ws_open = get(c.ws_open);
    s.ws_total = get(c.ws_total);
    s.ws_bytes_in = get(c.ws_bytes_in);
    s.ws_bytes_out = get(c.ws_bytes_out);
    s.deadline_wakeups = get(c.deadline_wakeups);
    s.deadline_checks = get(c.deadline_checks);
    for (std::size_t i = 0; i < close_reason_count; ++i) s.ws_closed[i] = get(c.ws_closed[i]);
    for (std::size_t i = 0; i < reject_reason_count; ++i) s.rejected[i] = get(c.rejected[i]);
    return s;
}

void listener::register_metrics(metrics::registry& reg) {
    // The functions hold the state, so a scrape after the listener is gone
    // still reads valid (final) values.
    const auto st = state_;
    const auto read = [st](std::atomic<std::uint64_t> net_counters::*field) {
        return [st, field] { return static_cast<double>(((st->counters).*field).load(std::memory_order_relaxed)); };
    };
    reg.add_counter_fn("chatd_net_accepted_total", "TCP connections accepted.", read(&net_counters::accepted));
    reg.add_counter_fn("chatd_net_accept_errors_total", "Failed accepts (EMFILE...), each followed by a back-off.",
                       read(&net_counters::accept_errors));
    reg.add_counter_fn("chatd_http_requests_total", "HTTP requests read, WebSocket upgrades included.",
                       read(&net_counters::http_requests));
    const std::string http_closed_help =
        "HTTP connections closed for the HTTP connection limit: evicted (the oldest idle one, to make room) "
        "or refused (503: none was idle).";
    reg.add_gauge_fn("chatd_http_connections_open", "Plain HTTP connections open (not upgraded).",
                     read(&net_counters::http_open));
    reg.add_gauge_fn("chatd_http_connections_idle",
                     "Plain HTTP connections waiting for a request with none of it read (evictable).",
                     read(&net_counters::http_idle));
    reg.add_counter_fn("chatd_http_connections_closed_total",
                       http_closed_help,
                       read(&net_counters::http_evicted), {{"reason", "evicted"}});
    reg.add_counter_fn("chatd_http_connections_closed_total",
                       http_closed_help,
                       read(&net_counters::http_refused), {{"reason", "refused"}});
    reg.add_gauge_fn("chatd_ws_connections_open", "WebSocket connections open, handshakes in progress included.",
                     read(&net_counters::ws_open));
    reg.add_counter_fn("chatd_ws_connections_total", "WebSocket upgrades completed.", read(&net_counters::ws_total));
    reg.add_counter_fn("chatd_ws_received_bytes_total", "WebSocket message payload bytes read.",
                       read(&net_counters::ws_bytes_in));
    reg.add_counter_fn("chatd_ws_sent_bytes_total", "WebSocket message payload bytes written.",
                       read(&net_counters::ws_bytes_out));
    for (std::size_t i = 0; i < close_reason_count; ++i)
        reg.add_counter_fn(
            "chatd_ws_closed_total", "WebSocket connections closed, by reason (slow_consumer: over the outbound budget).",
            [st, i] { return static_cast<double>(st->counters.ws_closed[i].load(std::memory_order_relaxed)); },
            {{"reason", std::string(to_string(static_cast<close_reason>(i)))}});
    for (std::size_t i = 0; i < reject_reason_count; ++i)
        reg.add_counter_fn(
            "chatd_ws_upgrades_rejected_total", "WebSocket upgrade requests refused, by reason.",
            [st, i] { return static_cast<double>(st->counters.rejected[i].load(std::memory_order_relaxed)); },
            {{"reason", std::string(to_string(static_cast<reject_reason>(i)))}});
}

}  // namespace chatd::net
