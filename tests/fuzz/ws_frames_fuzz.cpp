// libFuzzer harness: our WebSocket frame reader (server/net/ws_frames.cpp).
// The first input byte picks how the rest is cut into reads (so frames
// split anywhere are tried); the rest is what a client sent. The harness
// drives the reader the way ws_connection does: append a read, take every
// whole frame, keep what is left, stop at `failed`. It checks the
// reader's promises: `used` never exceeds what it was given, a text
// message is valid UTF-8 and within the limit, a close code is one a
// peer may send. The frame writers get the input too.

#include "net/ws_frames.hpp"
#include "protocol/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

constexpr std::size_t max_message = 4096;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t chunk = data[0] == 0 ? size : data[0];
    ++data;
    --size;

    chatd::net::ws_frame_reader reader(max_message);
    std::string pending;
    using kind = chatd::net::ws_read_step::kind;
    for (std::size_t at = 0; at < size;) {
        const std::size_t n = chunk < size - at ? chunk : size - at;
        pending.append(reinterpret_cast<const char*>(data + at), n);
        at += n;
        for (;;) {
            std::size_t used = 0;
            const auto step = reader.next(pending.data(), pending.size(), used);
            if (step.what == kind::need_more) break;
            if (step.what == kind::failed) {
                check(step.code == 1002 || step.code == 1007 || step.code == 1009);
                return 0;
            }
            check(used > 0 && used <= pending.size());
            if (step.what == kind::text) {
                check(step.payload.size() <= max_message);
                check(chatd::protocol::is_valid_utf8(step.payload));
            }
            if (step.what == kind::close) check(step.code == 1005 || chatd::net::ws_close_code_valid(step.code));
            if (step.what == kind::ping || step.what == kind::pong) check(step.payload.size() <= 125);
            // Touch every byte the step points at (ASan checks it is live).
            std::size_t sum = 0;
            for (const char c : step.payload) sum += static_cast<unsigned char>(c);
            (void)sum;
            pending.erase(0, used);
        }
    }
    reader.release();

    // The writers, on values taken from the input: a close frame's reason is
    // cut to 123 bytes at a UTF-8 boundary, and a header says the length.
    const std::uint16_t code = static_cast<std::uint16_t>(size >= 2 ? (data[0] << 8) | data[1] : 1000);
    const std::string_view reason(reinterpret_cast<const char*>(data), size);
    const std::string close = chatd::net::ws_close_frame(code, reason);
    check(close.size() <= 125 + 2);
    if (chatd::protocol::is_valid_utf8(reason)) check(chatd::protocol::is_valid_utf8(std::string_view(close).substr(4)));
    const chatd::net::ws_frame_header h(chatd::net::ws_opcode::text, size * 1000003u);
    check(h.size == 2 || h.size == 4 || h.size == 10);
    return 0;
}
