#pragma once

#include "options.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chatd::load {

/// What one connection does, from its global index alone, so every process
/// of a run (--process I/N) agrees on names and rooms.
struct connection_role {
    std::uint32_t index = 0;
    std::string user;                  ///< u<index>
    std::optional<std::string> room;   ///< none: an idle connection
    std::uint32_t room_size = 0;       ///< the room's planned members
    std::uint32_t position = 0;        ///< 0-based place in its room
    bool sender = false;
};

/// Rooms are filled in connection order: group after group (10x100,1000x5:
/// connections 0-9 in the first room of size 10, ..., then 1000-1999 in the
/// first room of size 1000). Connections beyond the rooms' total are idle.
/// Pure; any thread.
class room_plan {
public:
    room_plan(std::vector<room_group> groups, std::optional<std::uint32_t> senders);

    connection_role role(std::uint32_t index) const;

    /// Connections the rooms hold in all (may be more or less than the run's).
    std::uint64_t capacity() const noexcept { return capacity_; }

    /// The name of room `k` of group `g`: "room-<size>-<g>-<k>".
    std::string room_name(std::size_t g, std::uint32_t k) const;

    /// True if connection `index` belongs to process `process` of `count`.
    static bool owns(std::uint32_t index, std::uint32_t process, std::uint32_t count) noexcept {
        return index % count == process;
    }

private:
    std::vector<room_group> groups_;
    std::vector<std::uint64_t> starts_;  // first index of each group
    std::optional<std::uint32_t> senders_;
    std::uint64_t capacity_ = 0;
};

}  // namespace chatd::load
