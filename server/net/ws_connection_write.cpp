// The write side of a ws_connection: the inbox send() fills, the queue,
// gathered non-blocking writes and the wait for writability. On the strand.

#include "net/ws_connection_impl.hpp"

#include <algorithm>
#include <iterator>
#include <mutex>

namespace chatd::net {

void ws_connection::impl::push_raw(const self_ptr& self, std::string bytes, bool control) {
    if (!usable) return;
    if (control) control_bytes += static_cast<std::uint32_t>(bytes.size());  // below max_control_bytes + a frame
    out.push_back({std::make_shared<const std::string>(std::move(bytes)), false});
    write_now(self);
}

void ws_connection::impl::take_inbox() {
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

void ws_connection::impl::on_flush(const self_ptr& self) {
    take_inbox();
    write_now(self);
}

void ws_connection::impl::write_now(const self_ptr& self) {
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
        // Room for every header first: the buffers point into `headers`,
        // which must not reallocate while they are made.
        headers.clear();
        headers.reserve(n * sizeof(ws_frame_header::bytes));
        iov.clear();
        std::size_t total = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const out_frame& f = out[i];
            if (f.text) {
                const ws_frame_header h(ws_opcode::text, f.bytes->size());
                iov.emplace_back(headers.data() + headers.size(), h.size);
                headers.append(h.view());
                total += h.size;
            }
            iov.emplace_back(f.bytes->data(), f.bytes->size());
            total += f.bytes->size();
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
            else control_bytes -= static_cast<std::uint32_t>(std::min<std::size_t>(control_bytes, f.bytes->size()));
        }
        first_sent = static_cast<std::uint32_t>(left);  // less than out[done]'s size
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
    if (ec) return drop(self, {close_reason::write_error, close_code::abnormal, "write error: " + ec.message()});
    if (wrote_close) {
        close_written = true;
        maybe_shut(self);
    }
}

void ws_connection::impl::wait_writable(const self_ptr& self) {
    write_waiting = true;
    async_wait(tcp::socket::wait_write, [self](error_code ec) {
        impl& i = *self->impl_;
        i.write_waiting = false;
        if (ec == asio::error::operation_aborted || !i.usable) return i.maybe_finish(self);
        if (ec) return i.drop(self, {close_reason::write_error, close_code::abnormal, "write error: " + ec.message()});
        i.write_now(self);
    });
}

void ws_connection::impl::forget(std::size_t bytes) noexcept {
    if (bytes > 0) owner->queued_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
}

void ws_connection::impl::drop_unsent() {
    std::size_t dropped = 0;
    const auto first = out.begin() + (first_sent > 0 ? 1 : 0);
    const auto kept = std::remove_if(first, out.end(), [&dropped](const out_frame& f) {
        if (f.text) dropped += f.bytes->size();
        return f.text;
    });
    out.erase(kept, out.end());
    forget(dropped);
}

}  // namespace chatd::net
