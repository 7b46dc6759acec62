#pragma once

#include "protocol/error_code.hpp"
#include "protocol/request_id.hpp"
#include "protocol/requests.hpp"

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace chatd::protocol {

/// Why a frame is not a request. The session replies with
/// encode(error_event{...}) (see encoder.hpp) and carries on.
struct decode_error {
    error_code code;
    request_id id;        ///< the frame's id when it could be read, else none
    std::string message;  ///< for humans; never quotes client input, only protocol field names
};

/// Either a request or a decode_error. Like std::expected<request, decode_error>.
class decode_result {
public:
    decode_result(request r) : v_(std::in_place_index<0>, std::move(r)) {}       // NOLINT: implicit by design
    decode_result(decode_error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT: implicit by design

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    const request& value() const& {
        assert(has_value());
        return std::get<0>(v_);
    }
    request&& value() && {
        assert(has_value());
        return std::get<0>(std::move(v_));
    }
    const request& operator*() const& { return value(); }
    const request* operator->() const { return &value(); }

    const decode_error& error() const& {
        assert(!has_value());
        return std::get<1>(v_);
    }
    decode_error&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<request, decode_error> v_;
};

}  // namespace chatd::protocol
