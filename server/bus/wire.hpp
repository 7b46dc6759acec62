#pragma once

// What one published message on a room's channel holds: a committed event
// (its seq, its frame as members get it, and the row of an event with side
// effects), or a tick (only a seq: "this exists, read the store"). A small
// text header, then the frame as is, so a node forwards the bytes the
// publishing node encoded. Pure; any thread.

#include "chat/cluster_messages.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace chatd::bus {

/// The Redis channel of a room.
std::string channel_of(std::string_view room);
/// The room of a channel; empty when it is not one of ours.
std::string_view room_of(std::string_view channel);

std::string encode_event(const chat::cluster_event& e);
/// A tick: seq exists (its publish may have been lost).
std::string encode_tick(std::uint64_t seq);
/// The event a payload holds (a tick: data null); nullopt when it is not
/// well formed (a message from something else on the channel).
std::optional<chat::cluster_event> decode(std::string_view payload, std::string_view room);

}  // namespace chatd::bus
