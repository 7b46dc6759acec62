#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace chatd::protocol {

/// Appends `s` to `out` as a quoted JSON string. The result is valid UTF-8
/// JSON whatever `s` holds: '"' and '\' are escaped, control characters
/// (U+0000-U+001F, U+007F) become \n, \t, ... or \u00XX, U+2028 and U+2029
/// become \u2028 and \u2029 (they end lines in JavaScript source), and each
/// byte that is not part of well-formed UTF-8 becomes U+FFFD. Everything else,
/// '<', '>' and '&' included, is copied as is: clients render text, not HTML.
/// Pure; any thread.
void append_json_string(std::string& out, std::string_view s);

/// Builds one compact JSON text, left to right, with the commas in place.
/// It does not check nesting: the encoders that use it are its proof.
/// One owner (typically a local in an encoder function).
class json_writer {
public:
    explicit json_writer(std::size_t reserve = 128) { out_.reserve(reserve); }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    /// An object key; the value comes next.
    void key(std::string_view name);

    void string(std::string_view s);
    void unsigned_integer(std::uint64_t n);
    void signed_integer(std::int64_t n);
    void boolean(bool b);

    void string_field(std::string_view name, std::string_view s) {
        key(name);
        string(s);
    }
    void unsigned_field(std::string_view name, std::uint64_t n) {
        key(name);
        unsigned_integer(n);
    }
    void signed_field(std::string_view name, std::int64_t n) {
        key(name);
        signed_integer(n);
    }
    void bool_field(std::string_view name, bool b) {
        key(name);
        boolean(b);
    }

    /// The text so far.
    std::string_view view() const noexcept { return out_; }
    /// The text; the writer is spent.
    std::string take() && { return std::move(out_); }

private:
    void separate() {
        if (need_comma_) out_.push_back(',');
        need_comma_ = false;
    }
    void open(char c) {
        separate();
        out_.push_back(c);
    }
    void close(char c) {
        out_.push_back(c);
        need_comma_ = true;
    }

    std::string out_;
    bool need_comma_ = false;  // a value or a member just ended
};

}  // namespace chatd::protocol
