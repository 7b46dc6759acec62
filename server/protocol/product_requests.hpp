#pragma once

// Internal to the decoder: how it reads the requests of rooms with kinds,
// roles and a log of events (the ones limits::product_requests turns on).
// decoder.cpp lists them in its table of request types.

#include "protocol/decode_result.hpp"
#include "protocol/field_reader.hpp"
#include "protocol/limits.hpp"
#include "protocol/vocabulary.hpp"

namespace chatd::protocol::detail {

decode_result build_create_room(field_reader& r, const limits& lim);
decode_result build_open_direct(field_reader& r, const limits& lim);
decode_result build_members(field_reader& r, const limits& lim);
/// invite, remove, ban, unban, mute, unmute, set_role (action role).
decode_result build_member_change(field_reader& r, member_action action);
decode_result build_set_topic(field_reader& r, const limits& lim);
/// edit, delete, react, unreact.
decode_result build_line_change(field_reader& r, const limits& lim, event_kind kind);
decode_result build_read(field_reader& r, const limits& lim);

}  // namespace chatd::protocol::detail
