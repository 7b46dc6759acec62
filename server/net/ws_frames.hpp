#pragma once

// RFC 6455 framing for the server side of a WebSocket connection: the
// headers of the frames the server writes (unmasked, final) and a reader
// that turns the bytes a client sent into whole messages and control
// frames, enforcing the rules a server must (masking, reserved bits,
// control frame limits, fragmentation order, UTF-8, a message size limit).
// Standard library only, no sockets: tested on its own, used by
// ws_connection.cpp.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace chatd::net {

enum class ws_opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

/// The header of one final, unmasked frame carrying `payload_size` bytes:
/// 2, 4 or 10 bytes. Pure; any thread.
struct ws_frame_header {
    std::array<std::uint8_t, 10> bytes{};
    std::uint8_t size = 0;

    ws_frame_header() = default;
    ws_frame_header(ws_opcode op, std::size_t payload_size) noexcept;
    std::string_view view() const noexcept { return {reinterpret_cast<const char*>(bytes.data()), size}; }
};

/// A whole close frame (header and payload) with `code` and `reason`; the
/// reason is cut to the 123 bytes a close frame allows (at a UTF-8
/// boundary). Pure; any thread.
std::string ws_close_frame(std::uint16_t code, std::string_view reason);

/// True for a close code a peer may send (RFC 6455 7.4): 1000-1003,
/// 1007-1011, 3000-4999.
bool ws_close_code_valid(std::uint16_t code) noexcept;

/// One thing the reader found.
struct ws_read_step {
    enum class kind : std::uint8_t {
        need_more,  ///< no whole frame in what is left: keep it, read more
        text,       ///< a whole text message, valid UTF-8: `payload`
        binary,     ///< a frame of a binary message (the server refuses those); nothing kept
        fragment,   ///< a text fragment was taken; its message is not whole yet
        ping,       ///< `payload` to echo in a pong
        pong,
        close,      ///< the peer's close frame: `code` (1005 when it gave none), `payload` the reason
        failed,     ///< a violation: close with `code` (1002, 1007 or 1009), `detail` says why
    };
    kind what = kind::need_more;
    std::string_view payload;  // valid until the next call (it points into the input or the reader)
    std::uint16_t code = 0;
    const char* detail = "";
};

/// Reads the frames a client sends. Not thread-safe: one per connection,
/// called by the connection's strand only.
class ws_frame_reader {
public:
    /// `max_message`: the largest message (all its fragments) accepted;
    /// over it, the step is `failed` with 1009.
    explicit ws_frame_reader(std::size_t max_message) noexcept : max_message_(max_message) {}

    /// Parses the first frame in `data[0, size)` (unmasking it in place).
    /// On anything but need_more and failed, `used` is how many bytes that
    /// frame took; the caller drops them and calls again. A `text` payload
    /// points into `data` or into the reader, and is valid until the next
    /// call. After `failed` the reader must not be called again.
    ws_read_step next(char* data, std::size_t size, std::size_t& used);

    /// True while a fragmented message is being assembled.
    bool mid_message() const noexcept { return in_message_; }
    /// Gives back the memory of the message being assembled (none between
    /// messages, so an idle connection holds nothing here).
    void release() noexcept;

private:
    std::size_t max_message_;
    std::unique_ptr<std::string> message_;  // the fragments so far of a text message (rare: kept out of line)
    std::size_t message_bytes_ = 0;   // of the message being received, binary included
    bool in_message_ = false;         // a fragmented message has started and not ended
    bool binary_ = false;             // ... and it is binary
    bool returned_ = false;           // message_ was returned: clear it on the next call
};

}  // namespace chatd::net
