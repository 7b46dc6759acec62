#include <utility>  // before Boost: see ENVIRONMENT.md

#include "net/ws_connection.hpp"

#include "net/batching_stream.hpp"
#include "net/server_state.hpp"
#include "net/ws_accept.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

namespace chatd::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// The request target without its query, which may carry a token.
std::string_view loggable(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

// Everything below runs on the connection's strand (the executor of the
// socket, given by the acceptor), except the constructor.
//
// Life of a connection:
//   accept → open: reading; frames queued in the batching_stream under Beast,
//     written in batches (one gathered write for all that are waiting)
//   begin_close (first cause wins): the handler gets on_closed; frames are
//     dropped (or, for close(), drained); then the close frame is written
//     if the stream is still usable; close_timeout bounds all of it
//   finish: the read has ended, no write or close is pending: the socket
//     is closed, the slot released, one log line written
struct ws_connection::impl {
    impl(std::shared_ptr<server_state> s, ws_slot sl, beast::tcp_stream stream)
        : state(std::move(s)), slot(std::move(sl)), ws(std::move(stream)), strand(ws.get_executor()), close_timer(strand) {
        ws.next_layer().on_written([this](std::size_t payload_bytes, beast::error_code ec) {
            on_written(owner->shared_from_this(), payload_bytes, ec);
        });
        ws.next_layer().anchor([this] { return std::shared_ptr<void>(owner->shared_from_this()); });
    }

    ws_connection* owner = nullptr;  // owns this impl
    std::shared_ptr<server_state> state;
    ws_slot slot;
    websocket::stream<batching_stream> ws;
    const asio::any_io_executor strand;  // never changes: read from any thread
    asio::steady_timer close_timer;
    beast::flat_buffer in;
    std::shared_ptr<connection_handler> handler;
    bool read_done = false;       // the read loop has ended
    bool usable = true;           // Beast has not closed or failed the stream
    bool close_begun = false;     // on_closed decided
    bool close_started = false;   // async_close issued
    bool close_done = false;      // async_close completed
    bool finished = false;
    std::uint16_t send_code = close_code::normal;  // the close frame to write
    std::string send_reason;
    close_info why;
    std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();

    using self_ptr = std::shared_ptr<ws_connection>;

    net_counters& counters() noexcept { return state->counters; }

    // ---- opening ----------------------------------------------------------------------

    void do_accept(self_ptr self, detail::upgrade_request req) {
        const auto& cfg = state->cfg;
        websocket::stream_base::timeout t{};
        t.handshake_timeout = cfg.handshake_timeout;
        t.idle_timeout = cfg.idle_timeout.count() > 0 ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                             cfg.idle_timeout)
                                                       : websocket::stream_base::none();
        t.keep_alive_pings = cfg.keep_alive_pings;
        ws.set_option(t);  // Beast's own timers; the TCP stream's are off
        ws.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(beast::http::field::server, "chatd"); }));
        ws.read_message_max(cfg.read_message_max);
        ws.auto_fragment(false);
        ws.text(true);
        // async_accept copies what it needs from the request at once.
        ws.async_accept(req, [self](beast::error_code ec) { self->impl_->on_accept(self, ec); });
    }

    void on_accept(const self_ptr& self, beast::error_code ec) {
        if (ec) {
            counters().count(reject_reason::handshake);
            state->log.debug("ws {} handshake from {} failed: {}", self->info_.id, self->info_.remote, ec.message());
            finished = true;
            usable = false;
            force_close();
            slot.reset();
            return;
        }
        counters().ws_total.fetch_add(1, std::memory_order_relaxed);
        state->log.info("ws {} open from {} {}", self->info_.id, self->info_.remote, loggable(self->info_.target));

        std::uint16_t late_code = 0;
        std::string late_reason;
        const bool in_time = state->add(self, late_code, late_reason);

        std::shared_ptr<connection_handler> h;
        try {
            h = state->callbacks.make_session(self);
        } catch (const std::exception& e) {
            state->log.error("ws {}: session factory failed: {}", self->info_.id, e.what());
        }
        do_read(self);
        if (!h) {
            begin_close(self, {close_reason::no_session, close_code::internal_error, "no session"},
                        close_code::internal_error, "internal error", true);
            return;
        }
        handler = std::move(h);
        if (!in_time)
            begin_close(self, {close_reason::server_closed, late_code, "server closed " + std::to_string(late_code)},
                        late_code, std::move(late_reason), true);
    }

    // ---- reading ----------------------------------------------------------------------

    void do_read(const self_ptr& self) {
        ws.async_read(in, [self](beast::error_code ec, std::size_t n) { self->impl_->on_read(self, ec, n); });
    }

    void on_read(const self_ptr& self, beast::error_code ec, std::size_t n) {
        if (ec) {
            read_done = true;
            usable = false;  // Beast has closed or failed the stream
            if (!close_begun) begin_close(self, classify(ec), close_code::abnormal, {}, false);
            drop_queue();
            force_close();  // a write still pending ends at once
            return maybe_finish(self);
        }
        counters().ws_bytes_in.fetch_add(n, std::memory_order_relaxed);
        if (close_begun) {
            // Closing: what the peer still sends is dropped.
            in.consume(in.size());
            return do_read(self);
        }
        if (ws.got_binary()) {
            in.consume(in.size());
            begin_close(self, {close_reason::binary_frame, close_code::unsupported_data, "binary frame"},
                        close_code::unsupported_data, "binary frames are not supported", true);
            return do_read(self);
        }
        std::string frame = beast::buffers_to_string(in.data());
        in.consume(in.size());
        // Most connections send a frame now and then: between frames the
        // buffer holds nothing, so it keeps no memory (over 1 KB an idle
        // connection would otherwise pin after its last request).
        in.shrink_to_fit();
        try {
            handler->on_text(std::move(frame));
        } catch (const std::exception& e) {
            state->log.error("ws {}: handler failed: {}", self->info_.id, e.what());
            begin_close(self, {close_reason::server_closed, close_code::internal_error, "handler failed"},
                        close_code::internal_error, "internal error", true);
        }
        do_read(self);
    }

    close_info classify(beast::error_code ec) const {
        if (ec == websocket::error::closed) {
            const auto code = static_cast<std::uint16_t>(ws.reason().code);
            return {close_reason::client_closed, code, "client closed " + std::to_string(code)};
        }
        if (ec == websocket::error::message_too_big)
            return {close_reason::message_too_big, close_code::message_too_big, "message too big"};
        if (ec == websocket::error::bad_frame_payload)
            return {close_reason::invalid_utf8, close_code::invalid_payload, "invalid UTF-8"};
        if (ec == beast::error::timeout) return {close_reason::idle_timeout, close_code::abnormal, "idle timeout"};
        if (ec.category() == websocket::make_error_code(websocket::error::closed).category())
            return {close_reason::protocol_error, close_code::protocol_error, "protocol error: " + ec.message()};
        return {close_reason::read_error, close_code::abnormal, "read error: " + ec.message()};
    }

    // ---- writing ----------------------------------------------------------------------

    void enqueue(std::shared_ptr<const std::string> frame) {
        if (close_begun) return forget(frame->size());
        ws.next_layer().push_text(std::move(frame));
    }

    bool writing() const noexcept { return ws.next_layer().writing(); }

    // After each batch the batching_stream wrote (or failed to write).
    void on_written(const self_ptr& self, std::size_t payload_bytes, beast::error_code ec) {
        forget(payload_bytes);
        if (ec) {
            if (!close_begun)
                begin_close(self, {close_reason::write_error, close_code::abnormal, "write error: " + ec.message()},
                            close_code::abnormal, {}, false);
            usable = false;
            drop_queue();
            force_close();  // ends the read
            return maybe_finish(self);
        }
        counters().ws_bytes_out.fetch_add(payload_bytes, std::memory_order_relaxed);
        maybe_start_close(self);
        maybe_finish(self);
    }

    void forget(std::size_t bytes) noexcept { owner->queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed); }

    // Drops the frames not yet being written.
    void drop_queue() { forget(ws.next_layer().drop_unsent()); }

    // ---- closing ----------------------------------------------------------------------

    // The first cause of a close. `drain`: write the queued frames before
    // the close frame; otherwise drop all but the one being written.
    void begin_close(const self_ptr& self, close_info cause, std::uint16_t code, std::string reason, bool drain) {
        if (close_begun) return;
        close_begun = true;
        owner->closing_.store(true, std::memory_order_release);
        why = std::move(cause);
        send_code = code;
        send_reason = std::move(reason);
        if (send_reason.size() > 123) send_reason.resize(123);  // a close frame's limit
        counters().count(why.reason);
        if (!drain || !usable) drop_queue();

        if (auto h = std::move(handler)) {
            try {
                h->on_closed(why);
            } catch (const std::exception& e) {
                state->log.error("ws {}: handler failed on close: {}", self->info_.id, e.what());
            }
        }
        if (!usable) return;
        close_timer.expires_after(state->cfg.close_timeout);
        close_timer.async_wait([self](beast::error_code ec) {
            if (!ec) self->impl_->on_close_timeout(self);
        });
        maybe_start_close(self);
    }

    void maybe_start_close(const self_ptr& self) {
        if (!close_begun || close_started || !usable || !ws.next_layer().idle()) return;
        close_started = true;
        ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(send_code), send_reason),
                       [self](beast::error_code ec) { self->impl_->on_close(self, ec); });
    }

    void on_close(const self_ptr& self, beast::error_code ec) {
        close_done = true;
        if (ec) state->log.debug("ws {}: closing handshake: {}", self->info_.id, ec.message());
        usable = false;
        force_close();  // Beast has torn down on success; ends the read either way
        maybe_finish(self);
    }

    void on_close_timeout(const self_ptr& self) {
        if (finished) return;
        state->log.debug("ws {}: close timed out; dropping the connection", self->info_.id);
        usable = false;
        drop_queue();
        force_close();  // pending operations end with errors
        maybe_finish(self);
    }

    void force_close() noexcept { beast::get_lowest_layer(ws).close(); }

    void maybe_finish(const self_ptr& self) {
        if (finished || !read_done || writing() || (close_started && !close_done)) return;
        finished = true;
        close_timer.cancel();
        force_close();
        state->remove(self->info_.id);
        slot.reset();
        handler.reset();
        const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened).count();
        state->log.log(why.reason == close_reason::slow_consumer ? spdlog::level::warn : spdlog::level::info,
                       "ws {} closed: {} (code {}) after {:.1f} s", self->info_.id, why.detail, why.code, seconds);
    }
};

// ---- ws_connection ---------------------------------------------------------------------

ws_connection::ws_connection(upgrade_info info, std::size_t outbound_budget, std::unique_ptr<impl> i)
    : info_(std::move(info)), budget_(outbound_budget), impl_(std::move(i)) {
    impl_->owner = this;
}

ws_connection::~ws_connection() {
    // Only if the io_context went away with the connection still open.
    if (impl_ && !impl_->finished) impl_->state->remove(info_.id);
}

bool ws_connection::send(std::shared_ptr<const std::string> frame) {
    if (!frame || closing_.load(std::memory_order_acquire)) return false;
    const std::size_t n = frame->size();
    const std::size_t before = queued_bytes_.fetch_add(n, std::memory_order_relaxed);
    if (before + n > budget_) {
        queued_bytes_.fetch_sub(n, std::memory_order_relaxed);
        if (!closing_.exchange(true, std::memory_order_acq_rel))
            asio::post(impl_->strand, [self = shared_from_this()] {
                self->impl_->begin_close(self, {close_reason::slow_consumer, close_code::slow_consumer, "slow consumer"},
                                         close_code::slow_consumer, "slow consumer", false);
            });
        return false;
    }
    asio::post(impl_->strand, [self = shared_from_this(), f = std::move(frame)]() mutable {
        self->impl_->enqueue(std::move(f));
    });
    return true;
}

void ws_connection::close(std::uint16_t code, std::string reason) {
    asio::post(impl_->strand, [self = shared_from_this(), code, r = std::move(reason)]() mutable {
        self->impl_->begin_close(self, {close_reason::server_closed, code, "server closed " + std::to_string(code)}, code,
                                 std::move(r), true);
    });
}

namespace detail {

void accept_websocket(std::shared_ptr<server_state> state, ws_slot slot, beast::tcp_stream stream,
                      upgrade_request request, upgrade_info info) {
    const std::size_t budget = state->cfg.outbound_budget_bytes;
    auto i = std::make_unique<ws_connection::impl>(std::move(state), std::move(slot), std::move(stream));
    auto* raw = i.get();
    auto conn = std::make_shared<ws_connection>(std::move(info), budget, std::move(i));
    raw->do_accept(std::move(conn), std::move(request));
}

}  // namespace detail

}  // namespace chatd::net
