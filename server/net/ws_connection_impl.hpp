#pragma once

// Internal to net/: the strand-side state of one ws_connection, shared by
// ws_connection.cpp (opening, closing, the thread-safe entry points),
// ws_connection_read.cpp and ws_connection_write.cpp. Names Asio types.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/server_state.hpp"
#include "net/ws_connection.hpp"
#include "net/ws_frames.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::net {

namespace ws_detail {

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
inline std::string_view loggable(std::string_view target) { return target.substr(0, target.find('?')); }

inline std::int64_t steady_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// What a socket read goes into: one buffer per io thread, so a connection
// that waits for its next frame holds no buffer at all. Only the bytes of a
// frame that is not whole yet are copied into the connection.
constexpr std::size_t read_chunk = 64 * 1024;
inline char* thread_read_buffer() {
    thread_local std::unique_ptr<char[]> buf(new char[read_chunk]);
    return buf.get();
}

// Reads in one turn at most, before letting other connections run.
constexpr int reads_per_turn = 16;

// A view of part of a vector of buffers, as a buffer sequence for
// write_some, for the price of two pointers.
struct buffer_span {
    using value_type = asio::const_buffer;
    using const_iterator = const asio::const_buffer*;
    const asio::const_buffer* first;
    const asio::const_buffer* last;
    const_iterator begin() const noexcept { return first; }
    const_iterator end() const noexcept { return last; }
};

}  // namespace ws_detail

// Only the three ws_connection*.cpp files include this header.
using namespace ws_detail;

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
    using self_ptr = std::shared_ptr<ws_connection>;
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
    std::uint32_t first_sent = 0;     // bytes of out.front() already written (less than one frame)
    std::uint32_t control_bytes = 0;  // at most max_control_bytes and a frame
    std::shared_ptr<connection_handler> handler;
    std::unique_ptr<close_info> why;  // made by begin_close: an open connection keeps a pointer, not 40 B
    std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
    std::atomic<std::int64_t> heard_ms{steady_ms()};  // when the peer last sent anything (read by tick())
    std::atomic<std::int64_t> deadline_ms{0};         // the close must be over by then; 0: none (read by tick())
    // One bit each, in one word with the two flags tick() reads: a
    // connection is held by the thousand.
    bool wait_pending : 1 = false;   // an async_wait for readable data is queued
    bool write_waiting : 1 = false;  // an async_wait for writability is queued (the socket's buffer was full)
    bool read_done : 1 = false;      // no more bytes will be read
    bool read_eof : 1 = false;       // ... because the peer ended its side
    bool discarding : 1 = false;     // after a violation: bytes are read and dropped, unparsed
    bool half_closed : 1 = false;    // our sending side is shut down
    bool usable : 1 = true;          // the socket is open and has not failed
    bool close_begun : 1 = false;    // on_closed decided
    bool close_queued : 1 = false;   // our close frame is in `out`
    bool close_written : 1 = false;  // ... and on the wire
    bool peer_closed : 1 = false;    // the peer's close frame has arrived
    bool finished : 1 = false;
    // Read by tick() on the sweeper's thread.
    std::atomic<bool> pinged{false};   // a keep-alive ping went out since heard_ms
    std::atomic<bool> expired{false};  // a timeout was posted

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

    void start(const self_ptr& self, std::string response_101, std::string early_bytes, const request_facts& facts);

    // ---- reading ----------------------------------------------------------------------

    // Reads what the socket holds, until would_block. The wait for the next
    // bytes is queued first, so whatever arrives after the last read
    // completes it. (Asio's epoll is edge-triggered; queuing a wait also
    // re-arms the descriptor, so the order is belt and braces.)
    void pump(const self_ptr& self);

    // Parses the frames in buf[0, n) after the partial frame kept from
    // before. False once the connection stopped reading.
    bool consume(const self_ptr& self, char* buf, std::size_t n);

    void on_step(const self_ptr& self, const ws_read_step& s);

    // A frame broke RFC 6455: close with the code the reader chose.
    void on_violation(const self_ptr& self, const ws_read_step& s);

    void on_read_failed(const self_ptr& self, error_code ec);

    // ---- writing ----------------------------------------------------------------------

    static std::string control_frame(ws_opcode op, std::string_view payload) {
        const ws_frame_header h(op, payload.size());
        std::string f(h.view());
        f.append(payload);
        return f;
    }

    void push_raw(const self_ptr& self, std::string bytes, bool control);

    // Moves what send() left in the inbox to the end of `out`.
    void take_inbox();

    // The inbox's turn on the strand: one per burst of send() calls.
    void on_flush(const self_ptr& self);

    static std::size_t wire_size(const out_frame& f) noexcept {
        const std::size_t n = f.bytes->size();
        return f.text ? ws_frame_header(ws_opcode::text, n).size + n : n;
    }

    // Writes what is queued, at once and without blocking, in gathered
    // writes; if the socket's buffer fills, waits until it is writable.
    // Frames that reach the strand while it is busy go out together.
    void write_now(const self_ptr& self);

    void wait_writable(const self_ptr& self);

    void forget(std::size_t bytes) noexcept;

    // Drops the text frames not yet started (one partly written stays: the
    // peer would not understand the stream without its end).
    void drop_unsent();

    // ---- closing ----------------------------------------------------------------------

    // The first cause of a close. `drain`: write the queued frames before
    // the close frame; otherwise drop all but those being written.
    void begin_close(const self_ptr& self, close_info cause, std::uint16_t code, std::string reason, bool drain);

    // Closes the socket once our close frame is written and the peer has
    // answered it (or ended its side). While we wait, reading goes on,
    // bounded by the close timeout.
    void maybe_shut(const self_ptr& self);

    // The socket is done with (failed, timed out, or the close is over):
    // close it; pending operations end with operation_aborted.
    void fail_socket(const self_ptr& self);

    // Ends the connection without a close frame (it broke, went silent, or
    // would not read one): `cause` goes to the handler if it is the first.
    void drop(const self_ptr& self, close_info cause);

    void on_timeout(const self_ptr& self, bool idle);

    void send_ping(const self_ptr& self);

    void maybe_finish(const self_ptr& self);
};

}  // namespace chatd::net
