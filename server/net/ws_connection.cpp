#include <utility>  // before Boost: see ENVIRONMENT.md

#include "net/ws_connection.hpp"

#include "net/server_state.hpp"
#include "net/ws_accept.hpp"
#include "net/ws_frames.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <typeinfo>
#include <mutex>
#include <exception>
#include <iterator>
#include <vector>

namespace chatd::net {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using io_executor = asio::io_context::executor_type;
// The io_context's own executor, 8 bytes, where tcp::socket's
// any_io_executor takes 48 in the socket and again in each pending
// operation. With more than one io thread, handlers go through a strand.
using socket_type = asio::basic_stream_socket<tcp, io_executor>;
using strand_type = asio::strand<io_executor>;

// The request target without its query, which may carry a token.
std::string_view loggable(std::string_view target) { return target.substr(0, target.find('?')); }

std::int64_t steady_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// What a socket read goes into: one buffer per io thread, so a connection
// that waits for its next frame holds no buffer at all. Only the bytes of a
// frame that is not whole yet are copied into the connection.
constexpr std::size_t read_chunk = 64 * 1024;
char* thread_read_buffer() {
    thread_local std::unique_ptr<char[]> buf(new char[read_chunk]);
    return buf.get();
}

// Reads in one turn at most, before letting other connections run.
constexpr int reads_per_turn = 16;

// A view of part of a vector of buffers that async_write may copy for the
// price of two pointers (a vector would be copied whole).
struct buffer_span {
    using value_type = asio::const_buffer;
    using const_iterator = const asio::const_buffer*;
    const asio::const_buffer* first;
    const asio::const_buffer* last;
    const_iterator begin() const noexcept { return first; }
    const_iterator end() const noexcept { return last; }
};

}  // namespace

// Everything below runs on the connection's strand (the executor of the
// socket, given by the acceptor), except the constructor and the atomics
// that tick() reads.
//
// Life of a connection:
//   open: the 101 response is queued first; reading; frames queued and
//     written in batches (one gathered write for all that are waiting)
//   begin_close (first cause wins): the handler gets on_closed; frames are
//     dropped (or, for close(), drained); the close frame is queued last if
//     the socket is still usable; the close timeout bounds all of it
//   the close frames have crossed (or the socket failed, or timed out): the
//     socket is closed
//   finish: the socket is closed and no write is pending: the slot is
//     released, one log line written
struct ws_connection::impl {
    impl(std::shared_ptr<server_state> s, ws_slot sl, socket_type sock, std::unique_ptr<strand_type> st)
        : state(std::move(s)),
          slot(std::move(sl)),
          socket(std::move(sock)),
          io(socket.get_executor()),
          strand(std::move(st)),
          reader(state->cfg.read_message_max) {}

    /// Frames per gathered write at most (two buffers each: Asio passes at
    /// most 64 buffers to one sendmsg).
    static constexpr std::size_t max_batch = 32;
    /// Bytes of control frames (pongs, mostly) queued at most: a peer that
    /// sends pings and never reads would otherwise grow the queue without end.
    static constexpr std::size_t max_control_bytes = 64 * 1024;

    using out_frame = queued_frame;

    ws_connection* owner = nullptr;  // owns this impl
    std::shared_ptr<server_state> state;
    ws_slot slot;
    socket_type socket;
    const io_executor io;                 // a copy: send() posts from any thread without touching the socket
    std::unique_ptr<strand_type> strand;  // null with one io thread
    ws_frame_reader reader;
    std::unique_ptr<std::string> partial;  // the bytes of a frame not yet whole (none between frames)
    std::vector<out_frame> out;          // to write, in order
    std::size_t first_sent = 0;          // bytes of out.front() already written
    std::size_t control_bytes = 0;
    std::shared_ptr<connection_handler> handler;
    bool wait_pending = false;   // an async_wait for readable data is queued
    bool write_waiting = false;  // an async_wait for writability is queued (the socket's buffer was full)
    bool read_done = false;      // no more bytes will be read
    bool read_eof = false;       // ... because the peer ended its side
    bool discarding = false;     // after a violation: bytes are read and dropped, unparsed
    bool half_closed = false;    // our sending side is shut down
    bool usable = true;          // the socket is open and has not failed
    bool close_begun = false;    // on_closed decided
    bool close_queued = false;   // our close frame is in `out`
    bool close_written = false;  // ... and on the wire
    bool peer_closed = false;    // the peer's close frame has arrived
    bool finished = false;
    std::unique_ptr<close_info> why;  // made by begin_close: an open connection keeps a pointer, not 40 B
    std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();

    // Read by tick() on the sweeper's thread.
    std::atomic<std::int64_t> heard_ms{steady_ms()};  // when the peer last sent anything
    std::atomic<std::int64_t> deadline_ms{0};         // the close must be over by then; 0: none
    std::atomic<bool> pinged{false};                  // a keep-alive ping went out since heard_ms
    std::atomic<bool> expired{false};                 // a timeout was posted

    using self_ptr = std::shared_ptr<ws_connection>;

    net_counters& counters() noexcept { return state->counters; }

    // Where this connection's handlers run: its strand, or (one io thread)
    // the io_context itself.
    template <class F>
    void post(F&& f) {
        if (strand) asio::post(*strand, std::forward<F>(f));
        else asio::post(io, std::forward<F>(f));
    }
    template <class H>
    void async_wait(tcp::socket::wait_type w, H&& h) {
        if (strand) socket.async_wait(w, asio::bind_executor(*strand, std::forward<H>(h)));
        else socket.async_wait(w, std::forward<H>(h));
    }

    // ---- opening ----------------------------------------------------------------------

    void start(const self_ptr& self, std::string response_101, std::string early_bytes) {
        error_code ec;
        socket.non_blocking(true, ec);  // reads are tried at once, after a wait for readiness
        // Queued, not yet written: the connection joins the open set and gets
        // its handler first, so that a write that fails at once (the peer
        // reset after its request) closes it like any other.
        out.push_back({std::make_shared<const std::string>(std::move(response_101)), false});
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

    // ---- reading ----------------------------------------------------------------------

    // Reads what the socket holds, until would_block. The wait for the next
    // bytes is queued first, so whatever arrives after the last read
    // completes it. (Asio's epoll is edge-triggered; queuing a wait also
    // re-arms the descriptor, so the order is belt and braces.)
    void pump(const self_ptr& self) {
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

    // Parses the frames in buf[0, n) after the partial frame kept from
    // before. False once the connection stopped reading.
    bool consume(const self_ptr& self, char* buf, std::size_t n) {
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

    void on_step(const self_ptr& self, const ws_read_step& s) {
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
                    begin_close(self, {close_reason::slow_consumer, close_code::slow_consumer, "slow consumer (pongs)"},
                                close_code::slow_consumer, {}, false);
                    return fail_socket(self);
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

    // A frame broke RFC 6455: close with the code the reader chose.
    void on_violation(const self_ptr& self, const ws_read_step& s) {
        discarding = true;
        partial.reset();
        close_info cause{close_reason::protocol_error, s.code, std::string("protocol error: ") + s.detail};
        if (s.code == close_code::message_too_big) cause = {close_reason::message_too_big, s.code, "message too big"};
        if (s.code == close_code::invalid_payload) cause = {close_reason::invalid_utf8, s.code, "invalid UTF-8"};
        std::string reason = s.detail;
        begin_close(self, std::move(cause), s.code, std::move(reason), false);
        maybe_shut(self);  // our close frame may be out already: end our side now
    }

    void on_read_failed(const self_ptr& self, error_code ec) {
        const bool was_done = read_done;
        read_done = true;
        if (was_done || !usable || ec == asio::error::operation_aborted) return maybe_finish(self);
        read_eof = ec == asio::error::eof;
        if (!close_begun)
            begin_close(self, {close_reason::read_error, close_code::abnormal, "read error: " + ec.message()},
                        close_code::abnormal, {}, false);
        // After our close frame, the end of the stream is the peer's teardown.
        if (read_eof && close_written) return maybe_shut(self);
        fail_socket(self);
    }

    // ---- writing ----------------------------------------------------------------------

    static std::string control_frame(ws_opcode op, std::string_view payload) {
        const ws_frame_header h(op, payload.size());
        std::string f(h.view());
        f.append(payload);
        return f;
    }

    void push_raw(const self_ptr& self, std::string bytes, bool control) {
        if (!usable) return;
        if (control) control_bytes += bytes.size();
        out.push_back({std::make_shared<const std::string>(std::move(bytes)), false});
        write_now(self);
    }

    // Moves what send() left in the inbox to the end of `out`.
    void take_inbox() {
        std::vector<out_frame> got;
        {
            std::lock_guard lock(owner->inbox_mutex_);
            got.swap(owner->inbox_);
            owner->flush_posted_ = false;
        }
        if (close_begun || !usable) {
            for (const auto& f : got) forget(f.bytes->size());
        } else if (out.empty()) {
            out.swap(got);  // the usual case: the inbox's vector becomes the queue
        } else {
            out.insert(out.end(), std::make_move_iterator(got.begin()), std::make_move_iterator(got.end()));
        }
    }

    // The inbox's turn on the strand: one per burst of send() calls.
    void on_flush(const self_ptr& self) {
        take_inbox();
        write_now(self);
    }

    static std::size_t wire_size(const out_frame& f) noexcept {
        const std::size_t n = f.bytes->size();
        return f.text ? ws_frame_header(ws_opcode::text, n).size + n : n;
    }

    // Writes what is queued, at once and without blocking, in gathered
    // writes; if the socket's buffer fills, waits until it is writable.
    // Frames that reach the strand while it is busy go out together.
    void write_now(const self_ptr& self) {
        if (write_waiting || !usable) return;
        std::size_t text_bytes = 0;
        bool wrote_close = false;
        error_code ec;
        // Scratch for one gathered write: the write is synchronous, so one
        // per thread serves every connection and none keeps its own.
        thread_local std::vector<asio::const_buffer> iov;
        thread_local std::string headers;
        while (!out.empty()) {
            const std::size_t n = std::min(out.size(), max_batch);
            headers.clear();
            for (std::size_t i = 0; i < n; ++i)
                if (out[i].text) headers.append(ws_frame_header(ws_opcode::text, out[i].bytes->size()).view());
            iov.clear();
            std::size_t at = 0;
            std::size_t total = 0;
            for (std::size_t i = 0; i < n; ++i) {
                const out_frame& f = out[i];
                if (f.text) {
                    const std::size_t h = ws_frame_header(ws_opcode::text, f.bytes->size()).size;
                    iov.emplace_back(headers.data() + at, h);
                    at += h;
                }
                iov.emplace_back(f.bytes->data(), f.bytes->size());
                total += wire_size(f);
            }
            // Skip what an earlier, partial write already sent of the first frame.
            const std::size_t asked = total - first_sent;
            std::size_t first = 0;
            for (std::size_t skip = first_sent; skip > 0;) {
                if (skip < iov[first].size()) {
                    iov[first] += skip;
                    break;
                }
                skip -= iov[first].size();
                ++first;
            }
            const std::size_t wrote = socket.write_some(buffer_span{iov.data() + first, iov.data() + iov.size()}, ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                ec = {};
                wait_writable(self);
                break;
            }
            if (ec) break;
            // Retire the frames written whole; remember how far into the next.
            std::size_t left = first_sent + wrote;
            std::size_t done = 0;
            for (; done < n && left >= wire_size(out[done]); ++done) {
                const out_frame& f = out[done];
                left -= wire_size(f);
                if (f.text) text_bytes += f.bytes->size();
                else control_bytes -= std::min(control_bytes, f.bytes->size());
            }
            first_sent = left;
            out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(done));
            if (close_queued && out.empty()) wrote_close = true;
            if (wrote < asked) {
                // A short write: the socket's buffer is full.
                wait_writable(self);
                break;
            }
        }
        forget(text_bytes);
        counters().ws_bytes_out.fetch_add(text_bytes, std::memory_order_relaxed);
        if (out.empty()) {
            // A quiet connection keeps no queue memory (a burst allocates it
            // again, which costs far less than the write).
            std::vector<out_frame>().swap(out);
        }
        if (ec) {
            if (!close_begun)
                begin_close(self, {close_reason::write_error, close_code::abnormal, "write error: " + ec.message()},
                            close_code::abnormal, {}, false);
            return fail_socket(self);
        }
        if (wrote_close) {
            close_written = true;
            maybe_shut(self);
        }
    }

    void wait_writable(const self_ptr& self) {
        write_waiting = true;
        async_wait(tcp::socket::wait_write, [self](error_code ec) {
            impl& i = *self->impl_;
            i.write_waiting = false;
            if (ec == asio::error::operation_aborted || !i.usable) return i.maybe_finish(self);
            if (ec) {
                if (!i.close_begun)
                    i.begin_close(self, {close_reason::write_error, close_code::abnormal, "write error: " + ec.message()},
                                  close_code::abnormal, {}, false);
                return i.fail_socket(self);
            }
            i.write_now(self);
        });
    }

    void forget(std::size_t bytes) noexcept {
        if (bytes > 0) owner->queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    }

    // Drops the text frames not yet started (one partly written stays: the
    // peer would not understand the stream without its end).
    void drop_unsent() {
        std::size_t dropped = 0;
        const auto first = out.begin() + (first_sent > 0 ? 1 : 0);
        const auto kept = std::remove_if(first, out.end(), [&dropped](const out_frame& f) {
            if (f.text) dropped += f.bytes->size();
            return f.text;
        });
        out.erase(kept, out.end());
        forget(dropped);
    }

    // ---- closing ----------------------------------------------------------------------

    // The first cause of a close. `drain`: write the queued frames before
    // the close frame; otherwise drop all but those being written.
    void begin_close(const self_ptr& self, close_info cause, std::uint16_t code, std::string reason, bool drain) {
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
        deadline_ms.store(steady_ms() + state->cfg.close_timeout.count(), std::memory_order_relaxed);
        if (code == close_code::abnormal) return;  // nothing to say: the caller drops the socket
        // A peer's close without a code (1005) is answered without one.
        close_queued = true;
        push_raw(self, code == 1005 ? control_frame(ws_opcode::close, {}) : ws_close_frame(code, reason), false);
    }

    // Closes the socket once our close frame is written and the peer has
    // answered it (or ended its side). While we wait, reading goes on,
    // bounded by the close timeout.
    void maybe_shut(const self_ptr& self) {
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

    // The socket is done with (failed, timed out, or the close is over):
    // close it; pending operations end with operation_aborted.
    void fail_socket(const self_ptr& self) {
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

    void on_timeout(const self_ptr& self, bool idle) {
        if (finished || !usable) return;
        if (idle) {
            if (close_begun) return;  // the close timeout covers it from here
            // The peer may have spoken since the sweeper looked.
            if (steady_ms() - heard_ms.load(std::memory_order_relaxed) < state->cfg.idle_timeout.count()) return;
            begin_close(self, {close_reason::idle_timeout, close_code::abnormal, "idle timeout"}, close_code::abnormal,
                        {}, false);
        } else {
            state->log.debug("ws {}: close timed out; dropping the connection", self->info_.id);
        }
        fail_socket(self);
    }

    void send_ping(const self_ptr& self) {
        if (close_queued || !usable) return;
        push_raw(self, control_frame(ws_opcode::ping, {}), true);
    }

    void maybe_finish(const self_ptr& self) {
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
};

// ---- ws_connection ---------------------------------------------------------------------

ws_connection::ws_connection(upgrade_info info, std::size_t outbound_budget, std::unique_ptr<impl> i)
    : info_(std::move(info)), budget_(outbound_budget), impl_(std::move(i)) {
    impl_->owner = this;
}

ws_connection::~ws_connection() {
    // Only if the io_context went away with the connection still open.
    if (impl_) impl_->state->remove(*this);  // a no-op unless still linked
}

bool ws_connection::send(std::shared_ptr<const std::string> frame) {
    if (!frame || closing_.load(std::memory_order_acquire)) return false;
    const std::size_t n = frame->size();
    const std::size_t before = queued_bytes_.fetch_add(n, std::memory_order_relaxed);
    if (before + n > budget_) {
        queued_bytes_.fetch_sub(n, std::memory_order_relaxed);
        if (!closing_.exchange(true, std::memory_order_acq_rel))
            impl_->post([self = shared_from_this()] {
                self->impl_->begin_close(self, {close_reason::slow_consumer, close_code::slow_consumer, "slow consumer"},
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
        self->impl_->begin_close(self, {close_reason::server_closed, code, "server closed " + std::to_string(code)}, code,
                                 std::move(r), true);
    });
}

void ws_connection::tick(std::int64_t now_ms) {
    impl& i = *impl_;
    const auto deadline = i.deadline_ms.load(std::memory_order_relaxed);
    const auto& cfg = i.state->cfg;
    bool idle = false;
    if (deadline != 0) {
        if (now_ms < deadline) return;
    } else {
        const std::int64_t limit = cfg.idle_timeout.count();
        if (limit <= 0) return;
        const std::int64_t silent = now_ms - i.heard_ms.load(std::memory_order_relaxed);
        if (silent < limit) {
            // Beast's rule, kept: a keep-alive ping at half the idle timeout.
            if (cfg.keep_alive_pings && silent >= limit / 2 && !i.pinged.exchange(true, std::memory_order_relaxed))
                i.post([self = shared_from_this()] { self->impl_->send_ping(self); });
            return;
        }
        idle = true;
    }
    if (i.expired.exchange(true, std::memory_order_relaxed)) return;
    i.post([self = shared_from_this(), idle] {
        self->impl_->expired.store(false, std::memory_order_relaxed);
        self->impl_->on_timeout(self, idle);
    });
}

namespace detail {

void accept_websocket(std::shared_ptr<server_state> state, ws_slot slot, tcp::socket socket, std::string response_101,
                      std::string early_bytes, upgrade_info info) {
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
    const std::size_t budget = state->cfg.outbound_budget_bytes;
    auto i = std::make_unique<ws_connection::impl>(std::move(state), std::move(slot), std::move(plain), std::move(strand));
    auto* raw = i.get();
    auto conn = std::make_shared<ws_connection>(std::move(info), budget, std::move(i));
    // Start on the connection's strand (or the io thread).
    raw->post([raw, conn = std::move(conn), r = std::move(response_101), e = std::move(early_bytes)]() mutable {
        raw->start(conn, std::move(r), std::move(e));
    });
}

}  // namespace detail

}  // namespace chatd::net
