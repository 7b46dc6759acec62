#include "net/connection_sweeper.hpp"

#include <boost/asio/post.hpp>

#include <chrono>

namespace chatd::net::detail {

namespace asio = boost::asio;

namespace {

std::int64_t now_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

connection_sweeper::connection_sweeper(asio::io_context& io, std::weak_ptr<server_state> state)
    : state_(std::move(state)), strand_(asio::make_strand(io)), timer_(strand_) {}

void connection_sweeper::start() {
    auto s = state_.lock();
    if (!s) return;
    // A weak pointer: the state outlives the sweeper (connections hold it).
    s->set_waker([weak = weak_from_this()](std::int64_t wake_ms) {
        if (auto self = weak.lock())
            asio::post(self->strand_, [self, wake_ms] { self->arm(wake_ms); });
    });
    asio::post(strand_, [self = shared_from_this()] {
        self->started_ = true;
        self->on_timer();  // connections may have been filed before the waker was set
    });
}

void connection_sweeper::stop() {
    asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->armed_ms_ = 0;
        self->timer_.cancel();
    });
}

void connection_sweeper::arm(std::int64_t wake_ms) {
    if (stopped_ || !started_ || wake_ms == 0) return;
    if (armed_ms_ != 0 && armed_ms_ <= wake_ms) return;
    armed_ms_ = wake_ms;
    // Cancels a later wait, whose handler then sees operation_aborted.
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::milliseconds(wake_ms)));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->stopped_) return;
        self->armed_ms_ = 0;
        self->on_timer();
    });
}

void connection_sweeper::on_timer() {
    if (stopped_) return;
    auto state = state_.lock();
    if (!state) return;
    arm(state->run_due(now_ms()));
}

}  // namespace chatd::net::detail
