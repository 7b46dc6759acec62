#pragma once

// Helpers shared by the protocol tests: decoding from an exactly-sized heap
// copy (so AddressSanitizer catches any read past the frame), unpacking a
// result, and parsing encoder output back with simdjson.

#include "protocol/decoder.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace chatd::protocol::test {

/// Decodes a copy of `frame` that has no byte after its end: no padding, no NUL.
inline decode_result decode_exact(decoder& d, std::string_view frame) {
    auto copy = std::make_unique<char[]>(frame.size() + 1);  // +1: new char[0] is fine, but keep it obvious
    std::memcpy(copy.get(), frame.data(), frame.size());
    return d.decode(std::string_view(copy.get(), frame.size()));
}

/// Decodes with a fresh decoder and default limits.
inline decode_result decode_once(std::string_view frame) {
    decoder d;
    return decode_exact(d, frame);
}

/// The decoder's limits with the product requests (create_room, invite, edit,
/// read, ...) turned on, as the server will run it once it handles them.
inline limits product_limits() {
    limits l;
    l.product_requests = true;
    return l;
}

/// Decodes with a fresh decoder that knows the product requests.
inline decode_result decode_product(std::string_view frame) {
    decoder d(product_limits());
    return decode_exact(d, frame);
}

/// The body of a decoded request as T; fails the test (and returns an empty
/// T) when decoding failed or gave another type.
template <class T>
T body_as(const decode_result& r) {
    if (!r.has_value()) {
        ADD_FAILURE() << "expected a request, got error " << to_string(r.error().code) << ": " << r.error().message;
        return T{};
    }
    const T* body = std::get_if<T>(&r->body);
    if (body == nullptr) {
        ADD_FAILURE() << "expected another request type, got " << type_name(r->body);
        return T{};
    }
    return *body;
}

/// Expects `r`, the outcome of decoding `frame`, to be an error with `code`
/// and `id`, and a message.
inline void expect_decode_error(const decode_result& r, std::string_view frame, error_code code,
                                const request_id& id) {
    ASSERT_FALSE(r.has_value()) << "accepted: " << frame;
    EXPECT_EQ(to_string(r.error().code), to_string(code)) << frame << " -> " << r.error().message;
    EXPECT_EQ(r.error().id, id) << frame;
    EXPECT_FALSE(r.error().message.empty()) << frame;
}

/// The error code of a failed decode, or nullopt when it succeeded.
inline std::optional<error_code> error_of(const decode_result& r) {
    if (r.has_value()) return std::nullopt;
    return r.error().code;
}

/// A parsed JSON document that owns its parser, for reading encoder output back.
class parsed {
public:
    explicit parsed(std::string_view json) : text_(json) {
        error_ = parser_.parse(text_).get(root_);
    }
    parsed(const parsed&) = delete;  // root_ points into parser_
    parsed& operator=(const parsed&) = delete;
    bool ok() const noexcept { return error_ == simdjson::SUCCESS; }
    simdjson::dom::element root() const { return root_; }

    std::string string(std::string_view key) const {
        std::string_view v;
        EXPECT_EQ(root_[key].get_string().get(v), simdjson::SUCCESS) << key;
        return std::string(v);
    }
    std::uint64_t uint(std::string_view key) const {
        std::uint64_t v = 0;
        EXPECT_EQ(root_[key].get_uint64().get(v), simdjson::SUCCESS) << key;
        return v;
    }
    std::int64_t sint(std::string_view key) const {
        std::int64_t v = 0;
        EXPECT_EQ(root_[key].get_int64().get(v), simdjson::SUCCESS) << key;
        return v;
    }
    bool boolean(std::string_view key) const {
        bool v = false;
        EXPECT_EQ(root_[key].get_bool().get(v), simdjson::SUCCESS) << key;
        return v;
    }
    bool has(std::string_view key) const { return root_[key].error() == simdjson::SUCCESS; }
    /// The number of keys in the root object.
    std::size_t size() const {
        simdjson::dom::object o;
        EXPECT_EQ(root_.get_object().get(o), simdjson::SUCCESS);
        return o.size();
    }

private:
    simdjson::padded_string text_;
    simdjson::dom::parser parser_;
    simdjson::dom::element root_;
    simdjson::error_code error_ = simdjson::UNINITIALIZED;
};

}  // namespace chatd::protocol::test
