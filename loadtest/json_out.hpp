#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::load {

/// Writes indented JSON for the results file, left to right, with commas in
/// place. Like protocol::json_writer (whose string escaping it uses) plus
/// doubles and line breaks a person can read. One owner.
class json_out {
public:
    void begin_object(std::string_view key = {}) { open(key, '{'); }
    void end_object() { close('}'); }
    void begin_array(std::string_view key = {}) { open(key, '['); }
    void end_array() { close(']'); }
    /// A short array on one line (a histogram bucket): no breaks inside.
    void begin_inline_array(std::string_view key = {});

    void field(std::string_view key, std::string_view s);
    void field(std::string_view key, const char* s) { field(key, std::string_view(s)); }
    void field(std::string_view key, std::uint64_t n);
    void field(std::string_view key, std::int64_t n);
    void field(std::string_view key, std::uint32_t n) { field(key, std::uint64_t{n}); }
    void field(std::string_view key, double d);  ///< non-finite values are written as null
    void field(std::string_view key, bool b);
    void value(std::uint64_t n) { field({}, n); }

    std::string take() && {
        out_.push_back('\n');
        return std::move(out_);
    }

private:
    void item(std::string_view key);  // comma, line break and key
    void open(std::string_view key, char c);
    void close(char c);

    std::string out_;
    int depth_ = 0;
    int inline_depth_ = 0;  // > 0 inside an inline array
    bool first_ = true;     // nothing written yet in the current container
};

}  // namespace chatd::load
