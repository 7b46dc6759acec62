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
#include <utility>
#include <vector>

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

// ---- presence (see presence_store.hpp for what Redis holds) ----------------

/// The channel every node's heartbeats and clean stops go out on.
std::string_view nodes_channel();

/// "P": `user` is (here) or is no longer in the room on `node`.
std::string encode_presence(std::string_view node, std::string_view user, bool here);
/// "H": `node` is alive, and is gone if nothing is heard of it for `ttl_ms`.
std::string encode_heartbeat(std::string_view node, std::int64_t ttl_ms);
/// "G": `node` stopped; its users are in no room any more.
std::string encode_gone(std::string_view node);

/// What a presence message on a room's or the nodes' channel says; the
/// snapshot ("S", made by presence_store's script) is for `node` only.
struct presence_message {
    enum class kind : char { here = 'J', left = 'L', snapshot = 'S', heartbeat = 'H', gone = 'G' } what;
    std::string node;  ///< who says it; for a snapshot, who asked for it
    std::string user;
    std::int64_t ttl_ms = 0;
    std::vector<std::string> live_nodes;                      ///< snapshot
    std::vector<std::pair<std::string, std::string>> entries;  ///< snapshot: node, user
};
/// Nullopt when the payload is no well-formed presence message (events and
/// ticks are not).
std::optional<presence_message> decode_presence(std::string_view payload);

}  // namespace chatd::bus
