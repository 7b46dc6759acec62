#pragma once

// The `history` reply for a page storage read: shared by the WebSocket
// request (client_session) and the HTTP API's GET .../messages, so both
// page alike and stay under the same byte budget.

#include "protocol/request_id.hpp"
#include "storage/writer_messages.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace chatd::session {

/// The encoded history reply: the newest rows of `page` that fit in
/// `max_bytes` (at least one line), oldest first, with has_more. Pure.
std::string encode_history(const protocol::request_id& id, std::string_view room, const storage::read_result& page,
                           std::size_t max_bytes);

}  // namespace chatd::session
