#pragma once

// A stored log entry as the wire shows it: a line is a `message`, any other
// kind an `event` (docs/protocol.md). One mapping for the live push, the
// replay and history, so the three never differ.

#include "protocol/events.hpp"
#include "storage/rows.hpp"

#include <string_view>
#include <vector>

namespace chatd::chat {

/// `row` in `room` as an encoder input. The result points into row (and
/// room); `reactions` receives the line's reactions, which the result points
/// into too, so it must outlive it and not grow meanwhile. Pure; any thread.
protocol::message_event wire_event(std::string_view room, const storage::stored_message& row,
                                   std::vector<protocol::reaction>& reactions);

}  // namespace chatd::chat
