#pragma once

#include "protocol/decode_result.hpp"
#include "protocol/events.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace chatd::protocol {

// Server -> client frames. Each function returns one compact JSON object,
// valid UTF-8 whatever its inputs hold (see append_json_string), with "type"
// first and "id" second when the request had one. A room encodes a message
// once and shares the string with every member.
// All pure; any thread.

std::string encode(const identified_event& e);
std::string encode(const joined_event& e);
std::string encode(const room_event& e);
std::string encode(const members_event& e);
std::string encode(const read_ok_event& e);
std::string encode(const marker_event& e);
std::string encode(const removed_event& e);
std::string encode(const room_added_event& e);
std::string encode(const replay_done_event& e);
std::string encode(const left_event& e);
/// A "message" frame for a line, an "event" frame for any other kind.
std::string encode(const message_event& e);
std::string encode(const ack_event& e);
std::string encode(const history_event& e);
/// A history reply within `max_bytes`: the newest of e.messages whose frame
/// fits, but never fewer than one (a single line longer than `max_bytes` goes
/// alone), with has_more set when any were left out.
std::string encode(const history_event& e, std::size_t max_bytes);
std::string encode(const presence_event& e);
std::string encode(const typing_event& e);
std::string encode(const pong_event& e);
std::string encode(const error_event& e);

/// The error reply to a frame the decoder refused.
std::string encode(const decode_error& e);

/// "join" or "leave", as on the wire.
constexpr std::string_view to_string(presence_kind k) noexcept { return k == presence_kind::join ? "join" : "leave"; }

}  // namespace chatd::protocol
