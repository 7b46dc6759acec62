#pragma once

#include "act/result.hpp"

#include "protocol/error_code.hpp"
#include "protocol/request_id.hpp"
#include "protocol/requests.hpp"

#include <string>

namespace chatd::protocol {

/// Why a frame is not a request. The session replies with
/// encode(error_event{...}) (see encoder.hpp) and carries on.
struct decode_error {
    error_code code;
    request_id id;        ///< the frame's id when it could be read, else none
    std::string message;  ///< for humans; never quotes client input, only protocol field names
};

/// Either a request or a decode_error (the server's one result type).
using decode_result = act::result<request, decode_error>;

}  // namespace chatd::protocol
