#pragma once

// The layer under Beast's websocket stream on a server connection. Reads go
// straight to the TCP stream. Every write, Beast's own control frames (pong,
// ping, close) and the connection's text frames alike, goes through one queue
// that is written with one gathered write per batch, so a connection that
// receives many frames while a write is in flight sends them with one
// system call instead of one each. Measured: with Beast writing one frame per
// call, fan-out cost more CPU per delivery than Node's ws.
//
// Only ws_connection.cpp uses it; all calls are made on the connection's
// strand.

#include <utility>  // before Boost: see ENVIRONMENT.md

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chatd::net {

class batching_stream {
public:
    using next_layer_type = boost::beast::tcp_stream;
    using executor_type = next_layer_type::executor_type;
    /// Called on the strand after each batch: the text-frame payload bytes it
    /// carried (what send() counted against the budget) and the write's error.
    using written_fn = std::function<void(std::size_t payload_bytes, boost::beast::error_code)>;

    /// Frames per gathered write at most (two buffers each).
    static constexpr std::size_t max_batch = 64;
    /// Bytes of Beast's own writes (pongs, mostly) queued at most. They are
    /// reported written at once, so without a bound a peer that sends pings
    /// and never reads would grow the queue without end; over it, the write
    /// fails and Beast closes the connection.
    static constexpr std::size_t max_control_bytes = 64 * 1024;

    explicit batching_stream(next_layer_type s) : stream_(std::move(s)) {}

    executor_type get_executor() noexcept { return stream_.get_executor(); }
    next_layer_type& next_layer() noexcept { return stream_; }
    const next_layer_type& next_layer() const noexcept { return stream_; }

    void on_written(written_fn f) { written_ = std::move(f); }
    /// Gives what keeps the owner (and so this stream) alive while a batch is
    /// being written.
    void anchor(std::function<std::shared_ptr<void>()> f) { anchor_ = std::move(f); }

    /// Queues one text message as an unmasked final frame (server to client).
    void push_text(std::shared_ptr<const std::string> payload) {
        item it;
        it.header_size = encode_text_header(payload->size(), it.header);
        it.text = true;
        it.payload = std::move(payload);
        queue_.push_back(std::move(it));
        flush();
    }

    /// True while a batch is being written.
    bool writing() const noexcept { return in_flight_ > 0; }
    /// True when nothing is queued or being written.
    bool idle() const noexcept { return in_flight_ == 0 && queue_.empty(); }

    /// Drops the text frames not yet being written; returns their payload bytes.
    /// Beast's control frames stay: Beast has been told they were written.
    std::size_t drop_unsent() {
        // In place, past the batch in flight: its items (and the frame
        // headers inside them, which the write points at) must not move.
        std::size_t dropped = 0;
        const auto first = queue_.begin() + static_cast<std::ptrdiff_t>(in_flight_);
        const auto kept = std::remove_if(first, queue_.end(), [&dropped](const item& it) {
            if (it.text) dropped += it.payload->size();
            return it.text;
        });
        queue_.erase(kept, queue_.end());  // at the end: nothing else moves
        return dropped;
    }

    template <class Buffers, class Handler>
    auto async_read_some(const Buffers& buffers, Handler&& handler) {
        return stream_.async_read_some(buffers, std::forward<Handler>(handler));
    }

    /// Beast's writes: copied into the queue and reported written at once
    /// (the bytes go out in order with the text frames; a failed write is
    /// reported to written_, which closes the connection).
    template <class Buffers, class Handler>
    auto async_write_some(const Buffers& buffers, Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(boost::beast::error_code, std::size_t)>(
            [this](auto h, const Buffers& b) {
                const std::size_t n = boost::asio::buffer_size(b);
                auto copy = std::make_shared<std::string>(n, '\0');
                boost::asio::buffer_copy(boost::asio::buffer(*copy), b);
                boost::beast::error_code ec = failed_;
                if (!ec && control_bytes_ + n > max_control_bytes) ec = boost::asio::error::no_buffer_space;
                if (!ec) {
                    control_bytes_ += n;
                    queue_.push_back(item{std::move(copy), {}, 0, false});
                    flush();
                }
                auto ex = boost::asio::get_associated_executor(h, get_executor());
                boost::asio::post(ex, boost::beast::bind_front_handler(std::move(h), ec, ec ? 0 : n));
            },
            handler, buffers);
    }

    /// Runs `f` once the queue is empty (now, if it is): Beast's teardown must
    /// not shut the socket down before the close frame is written.
    void when_idle(std::function<void()> f) {
        if (idle() || failed_) return f();
        idle_waiters_.push_back(std::move(f));
    }

private:
    struct item {
        std::shared_ptr<const std::string> payload;
        std::array<std::uint8_t, 10> header{};
        std::uint8_t header_size = 0;
        bool text = false;  // a text frame from push_text (counted in the budget)
    };

    static std::uint8_t encode_text_header(std::size_t n, std::array<std::uint8_t, 10>& h) {
        h[0] = 0x81;  // FIN, text
        if (n < 126) {
            h[1] = static_cast<std::uint8_t>(n);
            return 2;
        }
        if (n <= 0xFFFF) {
            h[1] = 126;
            h[2] = static_cast<std::uint8_t>(n >> 8);
            h[3] = static_cast<std::uint8_t>(n);
            return 4;
        }
        h[1] = 127;
        for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
        return 10;
    }

    void flush() {
        if (in_flight_ > 0 || queue_.empty() || failed_) return;
        buffers_.clear();
        const std::size_t n = queue_.size() < max_batch ? queue_.size() : max_batch;
        for (std::size_t i = 0; i < n; ++i) {
            const item& it = queue_[i];
            if (it.header_size > 0) buffers_.emplace_back(it.header.data(), it.header_size);
            buffers_.emplace_back(it.payload->data(), it.payload->size());
        }
        in_flight_ = n;
        boost::asio::async_write(stream_, buffers_,
                                 [this, keep = anchor_ ? anchor_() : nullptr](boost::beast::error_code ec, std::size_t) {
                                     on_batch(ec);
                                 });
    }

    void on_batch(boost::beast::error_code ec) {
        std::size_t payload_bytes = 0;
        for (std::size_t i = 0; i < in_flight_; ++i) {
            if (queue_.front().text) payload_bytes += queue_.front().payload->size();
            else control_bytes_ -= queue_.front().payload->size();
            queue_.pop_front();
        }
        in_flight_ = 0;
        if (ec) {
            failed_ = ec;
            for (const item& it : queue_)
                if (it.text) payload_bytes += it.payload->size();
            queue_.clear();
            control_bytes_ = 0;
        }
        // The owner's callback may queue more or start the close; it runs
        // before the next batch so it sees this one's outcome first.
        if (written_) written_(payload_bytes, ec);
        flush();
        if (idle() || failed_) {
            auto waiters = std::move(idle_waiters_);
            idle_waiters_.clear();
            for (auto& w : waiters) w();
        }
    }

    next_layer_type stream_;
    std::deque<item> queue_;  // front in_flight_ items are being written
    std::size_t in_flight_ = 0;
    std::size_t control_bytes_ = 0;  // Beast's writes in queue_
    std::vector<boost::asio::const_buffer> buffers_;
    boost::beast::error_code failed_;
    written_fn written_;
    std::function<std::shared_ptr<void>()> anchor_;
    std::vector<std::function<void()>> idle_waiters_;
};

/// Beast's teardown for the websocket close: after the queue is written, the
/// TCP stream's own teardown (shut down sending, read to EOF, close).
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, batching_stream& s, TeardownHandler&& handler) {
    auto h = std::make_shared<std::decay_t<TeardownHandler>>(std::forward<TeardownHandler>(handler));
    s.when_idle([role, &s, h] { boost::beast::async_teardown(role, s.next_layer(), std::move(*h)); });
}

inline void teardown(boost::beast::role_type role, batching_stream& s, boost::beast::error_code& ec) {
    boost::beast::teardown(role, s.next_layer(), ec);
}

}  // namespace chatd::net
