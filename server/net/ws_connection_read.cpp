// The read side of a ws_connection: readiness, reads into the thread's
// buffer, frames to the handler, violations to a close. On the strand.

#include "net/ws_connection_impl.hpp"

#include <spdlog/spdlog.h>

#include <exception>

namespace chatd::net {

void ws_connection::impl::pump(const self_ptr& self) {
    if (read_done || !usable) return;
    if (!wait_pending) {
        wait_pending = true;
        async_wait(tcp::socket::wait_read, [self](error_code ec) {
            self->impl_->wait_pending = false;
            if (ec) return self->impl_->on_read_failed(self, ec);
            self->impl_->pump(self);
        });
    }
    char* buf = thread_read_buffer();
    for (int i = 0; i < reads_per_turn; ++i) {
        error_code ec;
        const std::size_t n = socket.read_some(asio::buffer(buf, read_chunk), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) return;
        if (ec) return on_read_failed(self, ec);
        heard_ms.store(steady_ms(), std::memory_order_relaxed);
        pinged.store(false, std::memory_order_relaxed);
        if (!consume(self, buf, n) || read_done || !usable) return;
    }
    // Still more: let the others on this thread run first.
    post([self] { self->impl_->pump(self); });
}

bool ws_connection::impl::consume(const self_ptr& self, char* buf, std::size_t n) {
    // After a violation the framing is lost: drop what comes until the
    // peer ends its side (or the close timeout), so that our close frame
    // is read instead of being cut off by a reset.
    if (discarding) return true;
    char* data = buf;
    std::size_t size = n;
    if (partial) {
        partial->append(buf, n);
        data = partial->data();
        size = partial->size();
    }
    std::size_t at = 0;
    while (!read_done) {
        std::size_t used = 0;
        const ws_read_step s = reader.next(data + at, size - at, used);
        if (s.what == ws_read_step::kind::need_more) break;
        if (s.what == ws_read_step::kind::failed) {
            on_violation(self, s);
            return false;
        }
        at += used;
        on_step(self, s);
    }
    if (read_done) {
        partial.reset();
        return false;
    }
    // Keep only the unfinished frame; between frames, keep nothing.
    if (at == size) {
        partial.reset();
    } else if (data == buf) {
        partial = std::make_unique<std::string>(buf + at, size - at);
    } else {
        partial->erase(0, at);
    }
    if (!partial && !reader.mid_message()) reader.release();
    return true;
}

void ws_connection::impl::on_step(const self_ptr& self, const ws_read_step& s) {
    using kind = ws_read_step::kind;
    switch (s.what) {
        case kind::text: {
            counters().ws_bytes_in.fetch_add(s.payload.size(), std::memory_order_relaxed);
            if (close_begun || !handler) return;  // closing: what the peer still sends is dropped
            try {
                handler->on_text(std::string(s.payload));
            } catch (const std::exception& e) {
                state->log.error("ws {}: handler failed: {}", self->info_.id, e.what());
                begin_close(self, {close_reason::server_closed, close_code::internal_error, "handler failed"},
                            close_code::internal_error, "internal error", true);
            }
            return;
        }
        case kind::binary:
            if (close_begun) return;
            begin_close(self, {close_reason::binary_frame, close_code::unsupported_data, "binary frame"},
                        close_code::unsupported_data, "binary frames are not supported", true);
            return;
        case kind::ping:
            if (close_queued) return;  // nothing may follow our close frame
            if (control_bytes + s.payload.size() + 2 > max_control_bytes) {
                // The peer asks for pongs and never reads them: it would
                // not read a close frame either, so it is dropped.
                return drop(self, {close_reason::slow_consumer, close_code::slow_consumer, "slow consumer (pongs)"});
            }
            push_raw(self, control_frame(ws_opcode::pong, s.payload), true);
            return;
        case kind::close: {
            peer_closed = true;
            read_done = true;
            const std::uint16_t code = s.code;
            begin_close(self, {close_reason::client_closed, code, "client closed " + std::to_string(code)}, code, {},
                        false);
            return maybe_shut(self);
        }
        case kind::pong:
        case kind::fragment:
        case kind::need_more:
        case kind::failed: return;
    }
}

void ws_connection::impl::on_violation(const self_ptr& self, const ws_read_step& s) {
    discarding = true;
    partial.reset();
    close_info cause{close_reason::protocol_error, s.code, std::string("protocol error: ") + s.detail};
    if (s.code == close_code::message_too_big) cause = {close_reason::message_too_big, s.code, "message too big"};
    if (s.code == close_code::invalid_payload) cause = {close_reason::invalid_utf8, s.code, "invalid UTF-8"};
    begin_close(self, std::move(cause), s.code, s.detail, false);
    maybe_shut(self);  // our close frame may be out already: end our side now
}

void ws_connection::impl::on_read_failed(const self_ptr& self, error_code ec) {
    const bool was_done = read_done;
    read_done = true;
    if (was_done || !usable || ec == asio::error::operation_aborted) return maybe_finish(self);
    read_eof = ec == asio::error::eof;
    // After our close frame, the end of the stream is the peer's teardown.
    if (read_eof && close_written) return maybe_shut(self);
    drop(self, {close_reason::read_error, close_code::abnormal, "read error: " + ec.message()});
}

}  // namespace chatd::net
