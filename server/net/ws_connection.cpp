#include "net/ws_connection_impl.hpp"

#include "net/ws_accept.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <mutex>
#include <typeinfo>

namespace chatd::net {

// ---- opening and closing (on the strand) ---------------------------------------------

void ws_connection::impl::start(const self_ptr& self, std::string response_101, std::string early_bytes,
                                const request_facts& facts) {
    error_code ec;
    socket.non_blocking(true, ec);  // reads are tried at once, after a wait for readiness
    // Queued, not yet written: the connection joins the open set and gets
    // its handler first, so that a write that fails at once (the peer
    // reset after its request) closes it like any other.
    out.push_back({std::make_shared<const std::string>(std::move(response_101)), false});
    counters().ws_total.fetch_add(1, std::memory_order_relaxed);
    state->log.info("ws {} open from {} {}", self->info_.id, self->info_.remote, loggable(facts.target));

    std::uint16_t late_code = 0;
    std::string late_reason;
    const bool in_time = state->add(self, late_code, late_reason);
    state->schedule(*self, self->tick(steady_ms()));

    std::shared_ptr<connection_handler> h;
    try {
        h = state->callbacks.make_session(self, facts);
    } catch (const std::exception& e) {
        state->log.error("ws {}: session factory failed: {}", self->info_.id, e.what());
    }
    handler = std::move(h);
    if (!handler)
        begin_close(self, {close_reason::no_session, close_code::internal_error, "no session"},
                    close_code::internal_error, "internal error", true);
    else if (!in_time)
        begin_close(self, {close_reason::server_closed, late_code, "server closed " + std::to_string(late_code)},
                    late_code, std::move(late_reason), true);
    write_now(self);
    // Frames the client sent right behind its request, read by the HTTP side.
    if (!early_bytes.empty() && !consume(self, early_bytes.data(), early_bytes.size())) return;
    pump(self);
}

void ws_connection::impl::begin_close(const self_ptr& self, close_info cause, std::uint16_t code, std::string reason,
                                      bool drain) {
    if (close_begun) return;
    take_inbox();  // frames accepted before the close are drained or dropped with the rest
    close_begun = true;
    owner->closing_.store(true, std::memory_order_release);
    why = std::make_unique<close_info>(std::move(cause));
    counters().count(why->reason);
    if (!drain || !usable) drop_unsent();

    if (auto h = std::move(handler)) {
        try {
            h->on_closed(*why);
        } catch (const std::exception& e) {
            state->log.error("ws {}: handler failed on close: {}", self->info_.id, e.what());
        }
    }
    if (!usable) return;
    const std::int64_t deadline = steady_ms() + state->cfg.close_timeout.count();
    deadline_ms.store(deadline, std::memory_order_relaxed);
    state->schedule(*owner, deadline);
    if (code == close_code::abnormal) return;  // nothing to say: the caller drops the socket
    // A peer's close without a code (1005) is answered without one.
    close_queued = true;
    push_raw(self, code == 1005 ? control_frame(ws_opcode::close, {}) : ws_close_frame(code, reason), false);
}

void ws_connection::impl::maybe_shut(const self_ptr& self) {
    if (!close_written) return;
    error_code ec;
    if (peer_closed || read_eof) {
        socket.shutdown(tcp::socket::shutdown_send, ec);
        return fail_socket(self);
    }
    if (discarding && !half_closed) {
        // The peer's close frame would not be understood: end our side,
        // so the peer ends its own once it has read our close frame.
        half_closed = true;
        socket.shutdown(tcp::socket::shutdown_send, ec);
    }
}

void ws_connection::impl::fail_socket(const self_ptr& self) {
    usable = false;
    read_done = true;
    // Nothing more will be written: every queued frame goes, a partly
    // written one too, and gives back its share of the budget.
    first_sent = 0;
    drop_unsent();
    error_code ec;
    socket.close(ec);
    partial.reset();
    maybe_finish(self);
}

void ws_connection::impl::drop(const self_ptr& self, close_info cause) {
    begin_close(self, std::move(cause), close_code::abnormal, {}, false);  // no close frame: the socket goes
    fail_socket(self);
}

void ws_connection::impl::on_timeout(const self_ptr& self, bool idle) {
    if (finished || !usable) return;
    if (idle) {
        if (close_begun) return;  // the close timeout covers it from here
        // The peer may have spoken since the wheel looked: file it again.
        const std::int64_t now = steady_ms();
        if (now - heard_ms.load(std::memory_order_relaxed) < state->cfg.idle_timeout.count())
            return state->schedule(*owner, owner->tick(now));
        return drop(self, {close_reason::idle_timeout, close_code::abnormal, "idle timeout"});
    }
    state->log.debug("ws {}: close timed out; dropping the connection", self->info_.id);
    fail_socket(self);
}

void ws_connection::impl::send_ping(const self_ptr& self) {
    if (close_queued || !usable) return;
    push_raw(self, control_frame(ws_opcode::ping, {}), true);
}

void ws_connection::impl::maybe_finish(const self_ptr& self) {
    if (finished || usable || write_waiting) return;
    finished = true;
    state->remove(*self);
    slot.reset();
    handler.reset();
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count();
    const close_info cause = why ? *why : close_info{};
    state->log.log(cause.reason == close_reason::slow_consumer ? spdlog::level::warn : spdlog::level::info,
                   "ws {} closed: {} (code {}) after {:.1f} s", self->info_.id, cause.detail, cause.code, seconds);
}

// ---- ws_connection ---------------------------------------------------------------------

ws_connection::ws_connection(upgrade_info info, impl& i) : info_(std::move(info)), impl_(&i) {
    impl_->owner = this;
}

ws_connection::~ws_connection() {
    // Only if the io_context went away with the connection still open.
    impl_->state->remove(*this);  // a no-op unless still linked
}

bool ws_connection::send(std::shared_ptr<const std::string> frame) {
    if (!frame || closing_.load(std::memory_order_acquire)) return false;
    const std::size_t n = frame->size();
    const std::size_t before = queued_bytes_.fetch_add(n, std::memory_order_relaxed);
    if (before + n > impl_->state->cfg.outbound_budget_bytes) {  // config: the same for all, read-only
        queued_bytes_.fetch_sub(n, std::memory_order_relaxed);
        if (!closing_.exchange(true, std::memory_order_acq_rel))
            impl_->post([self = shared_from_this()] {
                self->impl_->begin_close(self,
                                         {close_reason::slow_consumer, close_code::slow_consumer, "slow consumer"},
                                         close_code::slow_consumer, "slow consumer", false);
            });
        return false;
    }
    bool post = false;
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_.push_back({std::move(frame), true});
        post = !std::exchange(flush_posted_, true);
    }
    // One turn on the strand for a burst: frames sent before it runs go out
    // in one gathered write.
    if (post) impl_->post([self = shared_from_this()] { self->impl_->on_flush(self); });
    return true;
}

void ws_connection::close(std::uint16_t code, std::string reason) {
    impl_->post([self = shared_from_this(), code, r = std::move(reason)]() mutable {
        self->impl_->begin_close(self,
                                 {close_reason::server_closed, code, "server closed " + std::to_string(code)}, code,
                                 std::move(r), true);
    });
}

std::int64_t ws_connection::tick(std::int64_t now_ms) {
    impl& i = *impl_;
    const auto deadline = i.deadline_ms.load(std::memory_order_relaxed);
    const auto& cfg = i.state->cfg;
    bool idle = false;
    if (deadline != 0) {
        if (now_ms < deadline) return deadline;
    } else {
        const std::int64_t limit = cfg.idle_timeout.count();
        if (limit <= 0) return 0;
        const std::int64_t heard = i.heard_ms.load(std::memory_order_relaxed);
        if (now_ms - heard < limit) {
            // Beast's rule, kept: a keep-alive ping at half the idle timeout.
            if (!cfg.keep_alive_pings || i.pinged.load(std::memory_order_relaxed)) return heard + limit;
            if (now_ms - heard < limit / 2) return heard + limit / 2;
            if (!i.pinged.exchange(true, std::memory_order_relaxed))
                i.post([self = shared_from_this()] { self->impl_->send_ping(self); });
            return heard + limit;
        }
        idle = true;
    }
    // The strand files the connection again if it stays open (on_timeout).
    if (i.expired.exchange(true, std::memory_order_relaxed)) return 0;
    i.post([self = shared_from_this(), idle] {
        self->impl_->expired.store(false, std::memory_order_relaxed);
        self->impl_->on_timeout(self, idle);
    });
    return 0;
}

namespace {

// A connection and its strand-side state in one allocation (a connection is
// held by the thousand). The impl is the first base, so it is made before
// the connection that points to it and destroyed after it.
struct impl_holder {
    ws_connection::impl i;
};
struct connection_block final : impl_holder, ws_connection {
    connection_block(upgrade_info info, std::shared_ptr<server_state> s, ws_slot slot, socket_type socket,
                     std::unique_ptr<strand_type> strand)
        : impl_holder{ws_connection::impl(std::move(s), std::move(slot), std::move(socket), std::move(strand))},
          ws_connection(std::move(info), impl_holder::i) {}
};

}  // namespace

namespace detail {

void accept_websocket(std::shared_ptr<server_state> state, ws_slot slot, tcp::socket socket, std::string response_101,
                      std::string early_bytes, upgrade_info info, std::string target, std::string origin) {
    // The socket comes from the HTTP side with an any_io_executor: a strand
    // of its own, or (one io thread) the io_context's executor. Keep the
    // strand, and move the descriptor to a socket on the plain executor.
    // Boost 1.74's any_executor::target<T>() does not check the type: ask
    // target_type() first.
    const auto& ex = socket.get_executor();
    std::unique_ptr<strand_type> strand;
    if (ex.target_type() == typeid(strand_type)) {
        strand = std::make_unique<strand_type>(*ex.target<strand_type>());
    } else if (ex.target_type() != typeid(io_executor)) {
        state->log.error("ws {}: the socket's executor is neither a strand nor the io_context's", info.id);
        return;
    }
    const io_executor io = strand ? strand->get_inner_executor() : *ex.target<io_executor>();
    error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    socket_type plain(io);
    if (!ec) {
        const auto fd = socket.release(ec);
        if (!ec) plain.assign(protocol, fd, ec);
    }
    if (ec) {
        state->log.debug("ws {}: cannot take over the socket: {}", info.id, ec.message());
        return;  // the slot is released, the socket closed
    }
    auto block = std::make_shared<connection_block>(std::move(info), std::move(state), std::move(slot), std::move(plain),
                                                    std::move(strand));
    auto* raw = &block->i;
    std::shared_ptr<ws_connection> conn = std::move(block);
    // Start on the connection's strand (or the io thread).
    raw->post([raw, conn = std::move(conn), r = std::move(response_101), e = std::move(early_bytes),
               t = std::move(target), o = std::move(origin)]() mutable {
        raw->start(conn, std::move(r), std::move(e), request_facts{t, o});
    });
}

}  // namespace detail

}  // namespace chatd::net
