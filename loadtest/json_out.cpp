#include "json_out.hpp"

#include "protocol/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace chatd::load {

void json_out::item(std::string_view key) {
    if (!first_) out_.push_back(',');
    if (inline_depth_ == 0 && depth_ > 0) {
        out_.push_back('\n');
        out_.append(std::size_t(depth_) * 2, ' ');
    }
    first_ = false;
    if (!key.empty()) {
        protocol::append_json_string(out_, key);
        out_.append(inline_depth_ == 0 ? ": " : ":");
    }
}

void json_out::open(std::string_view key, char c) {
    item(key);
    out_.push_back(c);
    ++depth_;
    if (inline_depth_ > 0) ++inline_depth_;
    first_ = true;
}

void json_out::begin_inline_array(std::string_view key) {
    item(key);
    out_.push_back('[');
    ++depth_;
    ++inline_depth_;
    first_ = true;
}

void json_out::close(char c) {
    --depth_;
    if (inline_depth_ > 0) {
        --inline_depth_;
    } else if (!first_) {
        out_.push_back('\n');
        out_.append(std::size_t(depth_) * 2, ' ');
    }
    out_.push_back(c);
    first_ = false;
}

void json_out::field(std::string_view key, std::string_view s) {
    item(key);
    protocol::append_json_string(out_, s);
}

void json_out::field(std::string_view key, std::uint64_t n) {
    item(key);
    out_.append(std::to_string(n));
}

void json_out::field(std::string_view key, std::int64_t n) {
    item(key);
    out_.append(std::to_string(n));
}

void json_out::field(std::string_view key, double d) {
    item(key);
    if (!std::isfinite(d)) {
        out_.append("null");
        return;
    }
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;
    out_.append(buf, end);
}

void json_out::field(std::string_view key, bool b) {
    item(key);
    out_.append(b ? "true" : "false");
}

}  // namespace chatd::load
