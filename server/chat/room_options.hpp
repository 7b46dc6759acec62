#pragma once

#include "act/executor.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chatd::chat {

/// A room's settings: plain values. Where it counts is a constructor
/// argument (see room and lobby).
struct room_options {
    /// Most messages replayed to a rejoining connection; beyond that the
    /// replay says complete:false and the client pages history.
    std::uint32_t replay_limit = 100;
    /// A user's typing notices are passed on at most once per interval.
    act::duration typing_interval = std::chrono::seconds(1);
    /// Most bytes of message frames one replay sends. A line escapes to up
    /// to about six times its size, so replay_limit lines can outgrow a
    /// connection's outbound budget and get every rejoining reader cut off;
    /// the replay keeps the newest lines that fit and says complete:false.
    /// The server sets it to a quarter of the outbound budget.
    std::size_t replay_max_bytes = 256 * 1024;
    /// Live frames held back for a member while its replay is read: at most
    /// this many, and at most replay_max_bytes of them.
    std::uint32_t replay_buffer = 1000;
    /// Rooms with more users than this are "large": they send no presence
    /// pushes, and a join's reply lists only the joiner (member_count says how
    /// many there are). Otherwise every join would cost O(users) frames and
    /// bytes, O(users^2) to fill a room.
    std::uint32_t presence_limit = 1000;
    /// A room with no members and nothing in flight this long asks the lobby
    /// to stop it; the next join starts it again from storage. Zero: never.
    act::duration idle_timeout = std::chrono::seconds(60);
    /// The room model is on (the server's product requests): a public
    /// room's first join by a user stores a `member` join event, and a
    /// member must be one (not muted) to send. Off: as before the model,
    /// every join of a public room just subscribes.
    bool membership_events = false;
    /// With a cluster bus: how long an event that came before its
    /// predecessors is held for them before the room reads the missing
    /// ones from storage (a late publish usually comes within it).
    act::duration gap_wait = std::chrono::milliseconds(200);
    /// With a cluster bus: a read of storage for the held or missed events
    /// that fails (storage away) is made again after gap_wait, doubling with
    /// each failure in a row up to gap_wait_max; one that succeeds sets the
    /// wait back to gap_wait. So a store that is down is not read every
    /// gap_wait by every room with a gap, and one that is back is read
    /// within gap_wait_max.
    act::duration gap_wait_max = std::chrono::seconds(5);
    /// With a cluster bus: how long a starting room's first joins wait for
    /// who is in it on the other nodes (so their `members` list them); a
    /// reply from Redis takes a millisecond, so only a Redis that is away
    /// makes them wait this long.
    act::duration presence_wait = std::chrono::seconds(1);
    /// With a cluster bus: after this many reads of storage in a row (one
    /// per gap_wait) that end short of a seq heard of before they started,
    /// the room gives up on the events missing up to it. A seq is heard of
    /// only after its commit, and every seq below it commits first, so what
    /// such a read does not find was never committed (a forged or buggy
    /// publish or tick): reading on would cost a read per gap_wait forever.
    /// One read would prove it; three are a margin, at three reads a seq.
    std::uint32_t gap_reads = 3;
    /// How long a read from storage may take.
    act::duration storage_timeout = std::chrono::seconds(10);
};

}  // namespace chatd::chat
