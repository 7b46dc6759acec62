#include "protocol/json_writer.hpp"

#include "protocol/utf8.hpp"

#include <array>
#include <charconv>

namespace chatd::protocol {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, std::uint32_t unit) {
    out += "\\u";
    out.push_back(hex_digits[(unit >> 12) & 0xFU]);
    out.push_back(hex_digits[(unit >> 8) & 0xFU]);
    out.push_back(hex_digits[(unit >> 4) & 0xFU]);
    out.push_back(hex_digits[unit & 0xFU]);
}

// True for the ASCII bytes that are copied as they are.
bool is_plain_ascii(unsigned char c) noexcept { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

template <class T>
void append_integer(std::string& out, T n) {
    std::array<char, 24> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), n);
    out.append(buf.data(), r.ptr);
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    std::size_t i = 0;
    while (i < s.size()) {
        // Copy the longest run that needs nothing, in one append.
        std::size_t run = i;
        while (run < s.size() && is_plain_ascii(static_cast<unsigned char>(s[run]))) ++run;
        out.append(s.data() + i, run - i);
        i = run;
        if (i == s.size()) break;

        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default: append_u_escape(out, c); break;  // other C0 controls and DEL
            }
            ++i;
            continue;
        }
        char32_t cp = 0;
        const std::size_t n = decode_utf8(s, i, cp);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for the bad byte; resynchronise on the next one
            ++i;
        } else if (cp == 0x2028 || cp == 0x2029) {
            append_u_escape(out, static_cast<std::uint32_t>(cp));
            i += n;
        } else {
            out.append(s.data() + i, n);
            i += n;
        }
    }
    out.push_back('"');
}

void json_writer::key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_.push_back(':');
}

void json_writer::string(std::string_view s) {
    separate();
    append_json_string(out_, s);
    need_comma_ = true;
}

void json_writer::unsigned_integer(std::uint64_t n) {
    separate();
    append_integer(out_, n);
    need_comma_ = true;
}

void json_writer::signed_integer(std::int64_t n) {
    separate();
    append_integer(out_, n);
    need_comma_ = true;
}

void json_writer::boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
    need_comma_ = true;
}

}  // namespace chatd::protocol
