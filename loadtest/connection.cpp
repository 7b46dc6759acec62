#include "connection.hpp"

#include "payload.hpp"
#include "sequence_tracker.hpp"
#include "shard.hpp"

#include <utility>  // before Boost (docs/architecture.md)

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <deque>
#include <random>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // Linux 4.2+
#endif

namespace chatd::load {

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Every queue is bounded. A sender that finds its connection's queue or ack
// window full skips the send and counts it as backlog: the generator (or the
// server) cannot keep up, and queueing more would only hide it.
constexpr std::size_t max_queue = 64;         // frames waiting to be written
constexpr std::size_t max_queued_sends = 32;  // sends leave room in it for replies (pongs, joins)
constexpr std::size_t ack_window = 128;       // sends awaiting their ack
constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto handshake_timeout = std::chrono::seconds(10);  // the upgrade and the closing handshake
constexpr std::uint64_t identify_id = 1, join_id = 2, first_send_id = 3;

class ws_client final : public connection, public std::enable_shared_from_this<ws_client> {
public:
    ws_client(shard& owner, connection_role role)
        : shard_(owner), plan_(owner.plan()), role_(std::move(role)), ws_(owner.io()), send_timer_(owner.io()) {}

    void start() override;
    void close() override;
    void account_sequence() override;

private:
    enum class state : std::uint8_t { connecting, upgrading, handshaking, joining, ready, closing, ended };

    void on_connect(const error_code& ec);
    void on_upgrade(const error_code& ec);
    void do_read();
    void on_read(const error_code& ec);
    void handle(const server_frame& f);
    void on_message(const server_frame& f);
    void on_ack(std::uint64_t id);
    void settle(std::uint64_t id);
    void start_sending();
    void arm_send_timer();
    void on_send_timer(const error_code& ec);
    void send_one(std::uint64_t t_us);
    void queue(std::string frame);
    void do_write();
    void on_write(const error_code& ec);
    void do_close();
    void connect_failed(std::string_view stage, const std::string& reason);
    void lost(const std::string& reason);
    void end();
    void drop_queued();
    void count_backlog(std::uint64_t t_us);

    bool measured(std::uint64_t sent_us) const noexcept {
        return sent_us >= plan_.window_start_us && sent_us < plan_.window_end_us;
    }
    const target_info& target() const { return plan_.targets[role_.index % plan_.targets.size()]; }

    shard& shard_;
    const run_plan& plan_;
    connection_role role_;
    websocket::stream<beast::tcp_stream> ws_;
    std::unique_ptr<websocket::response_type> upgrade_response_;  // during the upgrade only
    std::string upgrade_target_;
    beast::flat_buffer in_;
    std::deque<std::string> out_;
    bool writing_ = false;
    bool close_after_write_ = false;
    state state_ = state::connecting;
    bool upgraded_ = false;
    std::uint64_t started_us_ = 0;

    // Sending.
    net::steady_timer send_timer_;
    steady::duration period_{};
    steady::time_point next_send_{};
    std::uint64_t next_id_ = first_send_id;
    struct pending_ack {
        std::uint64_t id = 0;  // 0: free
        std::uint64_t sent_us = 0;
    };
    std::vector<pending_ack> pending_;  // ack_window slots, by id; senders only
    std::uint64_t outstanding_ = 0;
    std::string text_, frame_;

    sequence_tracker tracker_;
};

// ---- connecting ----------------------------------------------------------------

void ws_client::start() {
    started_us_ = now_us();
    const target_info& t = target();
    error_code ec;
    const auto address = net::ip::make_address(t.address, ec);
    if (ec) return connect_failed("address", ec.message());
    const tcp::endpoint remote(address, t.port);
    auto& sock = beast::get_lowest_layer(ws_).socket();
    if (sock.open(remote.protocol(), ec); ec) return connect_failed("socket", ec.message());
    sock.set_option(tcp::no_delay(true), ec);
    if (!plan_.sources.empty() && address.is_v4()) {
        // Bind the address only; the port is picked at connect() for the
        // whole 4-tuple, so each source address has its own ~28k ports.
        const int one = 1;
        ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        const net::ip::address_v4 source(plan_.sources[role_.index % plan_.sources.size()]);
        if (sock.bind(tcp::endpoint(source, 0), ec); ec) return connect_failed("bind", ec.message());
    }
    beast::get_lowest_layer(ws_).expires_after(connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        remote, [self = shared_from_this()](const error_code& e) { self->on_connect(e); });
}

void ws_client::on_connect(const error_code& ec) {
    if (state_ == state::ended) return;
    if (ec) return connect_failed("connect", ec.message());
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket has its own timeouts
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;  // the server pings; Beast answers by itself
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "chatd-load"); }));
    ws_.read_message_max(1 << 20);
    state_ = state::upgrading;
    upgrade_response_ = std::make_unique<websocket::response_type>();
    upgrade_target_ = plan_.speaker->target(target().target, role_.user);
    ws_.async_handshake(*upgrade_response_, target().host, upgrade_target_,
                        [self = shared_from_this()](const error_code& e) { self->on_upgrade(e); });
}

void ws_client::on_upgrade(const error_code& ec) {
    if (state_ == state::ended) return;
    if (ec) {
        // A refusal (HTTP 503 over the connection limit, 403 for the origin)
        // says its status; anything else (a timeout, a reset) its error.
        if (ec == websocket::error::upgrade_declined && upgrade_response_)
            return connect_failed("upgrade", "HTTP " + std::to_string(upgrade_response_->result_int()));
        return connect_failed("upgrade", ec.message());
    }
    upgrade_response_.reset();
    upgrade_target_ = {};
    upgraded_ = true;
    auto& st = shard_.stats();
    st.totals.connect_us.record(now_us() - started_us_);
    ++st.totals.connected;
    ++st.second.connects;
    ++st.connected;
    state_ = state::handshaking;
    if (auto hello = plan_.speaker->hello(role_.user); !hello.empty()) queue(std::move(hello));
    do_read();
}

// ---- receiving -----------------------------------------------------------------

void ws_client::do_read() {
    ws_.async_read(in_, [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_read(ec); });
}

void ws_client::on_read(const error_code& ec) {
    if (state_ == state::ended) return;
    if (ec) {
        if (ec == websocket::error::closed) {
            const auto& why = ws_.reason();
            std::string reason = "close " + std::to_string(why.code);
            if (!why.reason.empty()) reason += " " + std::string(why.reason.data(), why.reason.size());
            return lost(reason);
        }
        return lost(ec.message());
    }
    const auto data = in_.cdata();
    handle(plan_.speaker->parse(std::string_view(static_cast<const char*>(data.data()), data.size()),
                                shard_.parser()));
    in_.consume(in_.size());
    if (state_ != state::ended) do_read();
}

void ws_client::handle(const server_frame& f) {
    using kind = server_frame::kind;
    auto& st = shard_.stats();
    switch (f.what) {
        case kind::ignore:
            return;
        case kind::reply:
            return queue(std::string(f.reply));
        case kind::ready:
            if (state_ != state::handshaking) return;
            if (role_.room) {
                state_ = state::joining;
                queue(plan_.speaker->join(join_id, *role_.room));
            } else {
                state_ = state::ready;  // an idle connection: it only holds its place
            }
            return;
        case kind::joined:
            // Only the first: a room restarted by the server joins us again
            // itself and replays from where we were, so the count goes on.
            if (state_ != state::joining) return;
            state_ = state::ready;
            if (!tracker_.started()) tracker_.start(f.last_seq);
            return start_sending();
        case kind::message:
            return on_message(f);
        case kind::ack:
            return on_ack(f.id);
        case kind::error:
            ++st.totals.errors[std::string(f.code)];
            ++st.second.errors;
            return settle(f.id);
        case kind::closing:
            return lost(std::string(f.code));
        case kind::bad:
            ++st.totals.errors[std::string(f.code)];
            ++st.second.errors;
            return;
    }
}

void ws_client::on_message(const server_frame& f) {
    auto& st = shard_.stats();
    switch (tracker_.receive(f.seq)) {
        case sequence_tracker::verdict::gap: ++st.gap_events; break;
        case sequence_tracker::verdict::duplicate: ++st.duplicates; break;
        default: break;
    }
    const auto sent = read_stamp(f.text);
    if (!sent) return;  // not one of ours
    const std::uint64_t now = now_us();
    const std::uint64_t latency = now > sent->sent_us ? now - sent->sent_us : 0;
    ++st.second.delivered;
    st.second.delivery.record(latency);
    if (sent->measured) {  // the sender's window decides, in whichever process it ran
        ++st.totals.delivered;
        st.totals.delivery_us.record(latency);
    }
}

void ws_client::on_ack(std::uint64_t id) {
    if (pending_.empty()) return;
    const pending_ack p = pending_[id % ack_window];
    if (p.id != id) return;  // not awaited (a late ack after an error, or not ours)
    const std::uint64_t now = now_us();
    auto& st = shard_.stats();
    ++st.second.acked;
    if (measured(p.sent_us)) {
        ++st.totals.acked;
        st.totals.ack_us.record(now > p.sent_us ? now - p.sent_us : 0);
    }
    settle(id);
}

// A send is answered (acked or refused): free its slot.
void ws_client::settle(std::uint64_t id) {
    if (pending_.empty() || id < first_send_id) return;
    auto& p = pending_[id % ack_window];
    if (p.id != id) return;
    p.id = 0;
    --outstanding_;
    --shard_.stats().outstanding;
}

// ---- sending -------------------------------------------------------------------

void ws_client::start_sending() {
    if (!role_.sender || plan_.rate <= 0) return;
    pending_.assign(ack_window, {});
    period_ = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(1.0 / plan_.rate));
    // A random phase: senders that joined together must not fire together.
    std::uniform_real_distribution<double> phase(0.0, 1.0 / plan_.rate);
    next_send_ = steady::now() + std::chrono::duration_cast<steady::duration>(
                                     std::chrono::duration<double>(phase(shard_.random())));
    arm_send_timer();
}

void ws_client::arm_send_timer() {
    send_timer_.expires_at(next_send_);
    send_timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_send_timer(ec); });
}

void ws_client::on_send_timer(const error_code& ec) {
    if (ec || state_ != state::ready) return;
    const std::uint64_t t = now_us();
    if (t >= plan_.window_end_us) return;  // the run is over: senders stop
    send_one(t);
    // The next tick on the schedule; ticks this thread was too late for are
    // skipped and counted as backlog rather than sent in a burst.
    next_send_ += period_;
    const auto now = steady::now();
    if (next_send_ <= now) {
        const auto missed = (now - next_send_) / period_ + 1;
        for (std::int64_t i = 0; i < missed; ++i) count_backlog(t);
        next_send_ += period_ * missed;
    }
    arm_send_timer();
}

void ws_client::send_one(std::uint64_t t_us) {
    pending_ack& slot = pending_[next_id_ % ack_window];
    if (out_.size() >= max_queued_sends || slot.id != 0) return count_backlog(t_us);
    const std::uint64_t id = next_id_++;
    const std::string client_id = plan_.run_tag + "-" + std::to_string(role_.index) + "-" + std::to_string(id);
    stamp_payload(text_, {t_us, measured(t_us)}, plan_.payload);
    plan_.speaker->send(frame_, id, *role_.room, text_, client_id);
    slot = {id, t_us};
    ++outstanding_;
    auto& st = shard_.stats();
    ++st.outstanding;
    ++st.second.sent;
    if (measured(t_us)) ++st.totals.sent;
    queue(frame_);
}

void ws_client::count_backlog(std::uint64_t t_us) {
    auto& st = shard_.stats();
    ++st.second.backlog;
    if (measured(t_us)) ++st.totals.backlog;
}

void ws_client::queue(std::string frame) {
    if (state_ == state::closing || state_ == state::ended) return;
    if (out_.size() >= max_queue) return count_backlog(now_us());
    out_.push_back(std::move(frame));
    if (!writing_) do_write();
}

void ws_client::do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(out_.front()),
                    [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_write(ec); });
}

void ws_client::on_write(const error_code& ec) {
    writing_ = false;
    if (state_ == state::ended) return;
    if (!out_.empty()) out_.pop_front();
    if (close_after_write_) return do_close();
    if (ec) return lost(ec.message());
    if (!out_.empty()) do_write();
}

// ---- ending ----------------------------------------------------------------------

void ws_client::close() {
    if (state_ == state::ended || state_ == state::closing) return;
    send_timer_.cancel();
    if (!upgraded_) return end();  // still connecting: just drop it
    state_ = state::closing;
    drop_queued();
    if (writing_) {
        close_after_write_ = true;  // Beast allows one write at a time, the close frame included
        return;
    }
    do_close();
}

void ws_client::do_close() {
    close_after_write_ = false;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](const error_code&) { self->end(); });
}

// Forgets what waits to be written, except the frame a write in flight
// still reads.
void ws_client::drop_queued() {
    out_.erase(writing_ && !out_.empty() ? out_.begin() + 1 : out_.begin(), out_.end());
}

void ws_client::connect_failed(std::string_view stage, const std::string& reason) {
    if (state_ == state::ended) return;
    auto& st = shard_.stats();
    ++st.totals.connect_failed;
    ++st.totals.connect_errors[std::string(stage) + ": " + reason];
    ++st.second.connect_failures;
    end();
}

void ws_client::lost(const std::string& reason) {
    if (state_ == state::ended) return;
    if (state_ != state::closing) {  // our own close at the end is not a disconnect
        auto& st = shard_.stats();
        ++st.totals.disconnects[reason];
        ++st.second.disconnects;
    }
    end();
}

void ws_client::end() {
    if (state_ == state::ended) return;
    state_ = state::ended;
    send_timer_.cancel();
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    auto& st = shard_.stats();
    if (upgraded_) --st.connected;
    st.outstanding -= outstanding_;
    outstanding_ = 0;
    pending_ = {};
    drop_queued();
    shard_.connection_ended();
}

void ws_client::account_sequence() {
    if (!role_.room || !tracker_.started()) return;
    run_result& t = shard_.stats().totals;
    ++t.streams;
    t.gaps += tracker_.gaps();
    t.gap_events += tracker_.gap_events();
    t.duplicates += tracker_.duplicates();
    t.out_of_order += tracker_.out_of_order();
    if ((tracker_.gaps() | tracker_.duplicates() | tracker_.out_of_order()) != 0 &&
        t.anomalies.size() < run_result::max_anomalies)
        t.anomalies.push_back({*role_.room, role_.index, tracker_.gaps(), tracker_.duplicates(), tracker_.out_of_order()});
}

}  // namespace

std::shared_ptr<connection> make_connection(shard& owner, connection_role role) {
    return std::make_shared<ws_client>(owner, std::move(role));
}

}  // namespace chatd::load
