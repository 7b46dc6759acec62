#pragma once

// What Redis holds of presence across nodes, and the commands that keep it:
//
//   chatd:presence:<room>  a set of "<node> <user>", one per user a node
//                          has in the room
//   chatd:node:<node>      "1", expiring after the node's presence TTL;
//                          the node sets it again on every heartbeat
//
// An entry counts while its node's key lives. So a node that dies (or
// loses Redis) takes its users out of every room when its key expires, at
// the cost of one command per heartbeat for the whole node, however many
// rooms and users it has; entries of dead nodes are deleted by the next
// read of their room. A node's id changes each time it (re)connects, so
// what it re-publishes then never mixes with what it left behind.
//
// Each change also goes out on the room's channel (wire.hpp), and each
// heartbeat on the nodes' channel: the other nodes learn of them at once.
// A read is one script that publishes its answer on the room's channel, so
// the asking node hears it in order with the changes: a change heard
// before it is in it, one heard after it is newer.

#include "bus/redis_link.hpp"

#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::bus {

/// Queues on `link` the commands that put (here) or take `user` out of
/// `room` under `node`, and tell the other nodes. Returns how many (replies
/// to read).
std::size_t append_presence(redis_link& link, std::string_view node, std::string_view room, std::string_view user,
                            bool here);

/// Every user of `room` under `node` at once: here (a node that came back:
/// recorded and told), or not (a node that stops: deleted only, as its
/// "gone" tells the others). Returns how many.
std::size_t append_room_presence(redis_link& link, std::string_view node, std::string_view room,
                                 const std::set<std::string>& users, bool here);

/// The node's heartbeat: its key for `ttl` more, and "alive" on the nodes'
/// channel. Returns how many.
std::size_t append_heartbeat(redis_link& link, std::string_view node, std::chrono::milliseconds ttl);

/// A node that stops (or is replaced by its next id): its key deleted and
/// "gone" on the nodes' channel. Returns how many.
std::size_t append_gone(redis_link& link, std::string_view node);

/// The read: publishes on `room`'s channel, for `node`, who is in the room
/// under every live node, and which of `known_nodes` live. Returns how many.
std::size_t append_presence_read(redis_link& link, std::string_view node, std::string_view room,
                                 const std::vector<std::string>& known_nodes);

/// A new node id: 16 random hex digits. Thread-safe.
std::string make_node_id();

}  // namespace chatd::bus
