#include "net/connection_sweeper.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace chatd::net::detail {

namespace asio = boost::asio;

connection_sweeper::connection_sweeper(asio::io_context& io, std::weak_ptr<server_state> state)
    : state_(std::move(state)), strand_(asio::make_strand(io)), timer_(strand_), period_(std::chrono::seconds(1)) {
    if (auto s = state_.lock()) period_ = period_for(s->cfg);
}

std::chrono::milliseconds connection_sweeper::period_for(const net_config& cfg) noexcept {
    using std::chrono::milliseconds;
    milliseconds shortest = cfg.close_timeout;
    if (cfg.idle_timeout.count() > 0) shortest = std::min(shortest, cfg.idle_timeout);
    return std::clamp(shortest / 4, milliseconds(10), milliseconds(1000));
}

void connection_sweeper::start() {
    asio::post(strand_, [self = shared_from_this()] { self->arm(); });
}

void connection_sweeper::stop() {
    asio::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->timer_.cancel();
    });
}

void connection_sweeper::arm() {
    if (stopped_) return;
    timer_.expires_after(period_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->stopped_) return;
        auto state = self->state_.lock();
        if (!state) return;
        using namespace std::chrono;
        state->tick_all(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
        self->arm();
    });
}

}  // namespace chatd::net::detail
