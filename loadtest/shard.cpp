#include "shard.hpp"

#include <boost/asio/post.hpp>

namespace chatd::load {

shard::shard(std::size_t index, const run_plan& plan, double ramp_per_s, steady::time_point t0)
    : work_(io_.get_executor()),
      plan_(plan),
      ramp_per_s_(ramp_per_s),
      t0_(t0),
      ramp_timer_(io_),
      random_(0x9e3779b97f4a7c15ULL * (index + 1)) {}

shard::~shard() { stop(); }

void shard::add(connection_role role, std::uint64_t order) {
    const auto offset = ramp_per_s_ > 0 ? std::chrono::duration<double>(double(order) / ramp_per_s_)
                                        : std::chrono::duration<double>(0);
    pending_.push_back({std::move(role), t0_ + std::chrono::duration_cast<steady::duration>(offset)});
}

void shard::run() {
    boost::asio::post(io_, [this] { do_ramp(); });
    thread_ = std::thread([this] { io_.run(); });
}

void shard::do_ramp() {
    const auto now = steady::now();
    while (!closing_ && next_start_ < pending_.size() && pending_[next_start_].due <= now) {
        auto c = make_connection(*this, std::move(pending_[next_start_].role));
        ++next_start_;
        ++live_;
        ++stats_.totals.attempted;
        connections_.push_back(c);
        c->start();
    }
    if (closing_ || next_start_ == pending_.size()) {
        pending_ = {};  // free the roles
        return;
    }
    ramp_timer_.expires_at(pending_[next_start_].due);
    ramp_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) do_ramp();
    });
}

std::future<shard_report> shard::report() {
    auto p = std::make_shared<std::promise<shard_report>>();
    auto f = p->get_future();
    boost::asio::post(io_, [this, p] {
        shard_report r;
        r.second = std::exchange(stats_.second, {});
        r.connected = stats_.connected;
        r.outstanding = stats_.outstanding;
        r.gap_events = stats_.gap_events;
        r.duplicates = stats_.duplicates;
        p->set_value(std::move(r));
    });
    return f;
}

std::future<run_result> shard::totals() {
    auto p = std::make_shared<std::promise<run_result>>();
    auto f = p->get_future();
    boost::asio::post(io_, [this, p] {
        for (auto& c : connections_) c->account_sequence();
        p->set_value(std::exchange(stats_.totals, {}));
    });
    return f;
}

std::future<void> shard::close_all() {
    auto f = closed_.get_future();
    boost::asio::post(io_, [this] {
        closing_ = true;
        ramp_timer_.cancel();
        for (auto& c : connections_) c->close();
        signal_if_closed();
    });
    return f;
}

void shard::connection_ended() {
    if (live_ > 0) --live_;
    signal_if_closed();
}

void shard::signal_if_closed() {
    if (!closing_ || live_ > 0 || closed_signalled_) return;
    closed_signalled_ = true;
    closed_.set_value();
}

void shard::stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    io_.stop();
    thread_.join();
    // Handlers still queued in the io_context hold connections too; they go
    // with it (it is destroyed after everything else in the shard).
    connections_.clear();
}

}  // namespace chatd::load
