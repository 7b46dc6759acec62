#include "net/ws_frames.hpp"

#include "protocol/utf8.hpp"

#include <cstring>

namespace chatd::net {

namespace {

using step = ws_read_step;

step failed(std::uint16_t code, const char* why) {
    step s;
    s.what = step::kind::failed;
    s.code = code;
    s.detail = why;
    return s;
}

step found(step::kind k, std::string_view payload = {}, std::uint16_t code = 0) {
    step s;
    s.what = k;
    s.payload = payload;
    s.code = code;
    return s;
}

// XORs `n` bytes at `p` with the 4-byte `mask`, eight bytes at a time.
void unmask(unsigned char* p, std::size_t n, const unsigned char* mask) noexcept {
    unsigned char m8[8];
    for (int i = 0; i < 8; ++i) m8[i] = mask[i % 4];
    std::uint64_t m;
    std::memcpy(&m, m8, 8);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        w ^= m;
        std::memcpy(p + i, &w, 8);
    }
    for (; i < n; ++i) p[i] ^= mask[i % 4];
}

constexpr std::uint16_t protocol_error = 1002;
constexpr std::uint16_t invalid_payload = 1007;
constexpr std::uint16_t message_too_big = 1009;
constexpr std::uint16_t no_status = 1005;

}  // namespace

ws_frame_header::ws_frame_header(ws_opcode op, std::size_t n) noexcept {
    bytes[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(op));  // FIN
    if (n < 126) {
        bytes[1] = static_cast<std::uint8_t>(n);
        size = 2;
    } else if (n <= 0xFFFF) {
        bytes[1] = 126;
        bytes[2] = static_cast<std::uint8_t>(n >> 8);
        bytes[3] = static_cast<std::uint8_t>(n);
        size = 4;
    } else {
        bytes[1] = 127;
        for (int i = 0; i < 8; ++i)
            bytes[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(n) >> (56 - 8 * i));
        size = 10;
    }
}

std::string ws_close_frame(std::uint16_t code, std::string_view reason) {
    if (reason.size() > 123) {
        std::size_t cut = 123;
        // Never split a UTF-8 sequence: back up over continuation bytes.
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
        reason = reason.substr(0, cut);
    }
    const ws_frame_header h(ws_opcode::close, 2 + reason.size());
    std::string f(h.view());
    f.push_back(static_cast<char>(code >> 8));
    f.push_back(static_cast<char>(code & 0xFF));
    f.append(reason);
    return f;
}

bool ws_close_code_valid(std::uint16_t code) noexcept {
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1011) return true;
    return code >= 3000 && code <= 4999;
}

void ws_frame_reader::release() noexcept {
    message_.reset();
    returned_ = false;
}

ws_read_step ws_frame_reader::next(char* data, std::size_t size, std::size_t& used) {
    used = 0;
    if (returned_) {
        // The caller has copied the message returned last time.
        message_->clear();
        returned_ = false;
    }
    if (size < 2) return {};
    auto* p = reinterpret_cast<unsigned char*>(data);
    const bool fin = (p[0] & 0x80) != 0;
    const unsigned op = p[0] & 0x0F;
    const bool control = (op & 0x8) != 0;
    std::uint64_t len = p[1] & 0x7F;

    // What the first two bytes already tell: fail before waiting for more.
    if ((p[0] & 0x70) != 0) return failed(protocol_error, "reserved bits set");
    if ((p[1] & 0x80) == 0) return failed(protocol_error, "unmasked client frame");
    if (control) {
        if (op != 0x8 && op != 0x9 && op != 0xA) return failed(protocol_error, "unknown opcode");
        if (!fin) return failed(protocol_error, "fragmented control frame");
        if (len > 125) return failed(protocol_error, "control frame over 125 bytes");
    } else if (op > 0x2) {
        return failed(protocol_error, "unknown opcode");
    } else if (op == 0x0 && !in_message_) {
        return failed(protocol_error, "continuation without a message");
    } else if (op != 0x0 && in_message_) {
        return failed(protocol_error, "a new message inside a fragmented one");
    }

    std::size_t pos = 2;
    if (len == 126) {
        if (size < 4) return {};
        len = (std::uint64_t{p[2]} << 8) | p[3];
        pos = 4;
    } else if (len == 127) {
        if (size < 10) return {};
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[2 + i];
        if ((len >> 63) != 0) return failed(protocol_error, "frame length over 2^63");
        pos = 10;
    }
    if (!control && (len > max_message_ || message_bytes_ + len > max_message_))
        return failed(message_too_big, "message too big");
    if (size < pos + 4) return {};
    const unsigned char* mask = p + pos;
    pos += 4;
    if (size - pos < len) return {};
    const auto n = static_cast<std::size_t>(len);
    unsigned char* payload = p + pos;
    unmask(payload, n, mask);
    used = pos + n;
    const std::string_view body(reinterpret_cast<const char*>(payload), n);

    switch (op) {
        case 0x9: return found(step::kind::ping, body);
        case 0xA: return found(step::kind::pong, body);
        case 0x8: {
            if (n == 0) return found(step::kind::close, {}, no_status);
            if (n == 1) return failed(protocol_error, "close frame of one byte");
            const auto code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
            if (!ws_close_code_valid(code)) return failed(protocol_error, "invalid close code");
            const auto reason = body.substr(2);
            if (!protocol::is_valid_utf8(reason)) return failed(invalid_payload, "invalid UTF-8 in the close reason");
            return found(step::kind::close, reason, code);
        }
        default: break;
    }

    // A data frame: text or binary, whole or a fragment.
    if (op == 0x2 || (op == 0x0 && binary_)) {
        // Binary messages are refused: nothing is kept, the caller closes.
        in_message_ = !fin;
        binary_ = !fin;
        message_bytes_ = fin ? 0 : message_bytes_ + n;
        return found(step::kind::binary);
    }
    if (op == 0x1 && fin) {  // the common case: a whole text message in one frame
        if (!protocol::is_valid_utf8(body)) return failed(invalid_payload, "invalid UTF-8");
        return found(step::kind::text, body);
    }
    if (!message_) message_ = std::make_unique<std::string>();
    message_->append(body);
    message_bytes_ += n;
    if (!fin) {
        in_message_ = true;
        return found(step::kind::fragment);
    }
    in_message_ = false;
    message_bytes_ = 0;
    if (!protocol::is_valid_utf8(*message_)) return failed(invalid_payload, "invalid UTF-8");
    returned_ = true;
    return found(step::kind::text, *message_);
}

}  // namespace chatd::net
