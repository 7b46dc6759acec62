#pragma once

#include "act/actor.hpp"
#include "act/supervisor.hpp"
#include "chat/messages.hpp"
#include "chat/room.hpp"
#include "chat/room_options.hpp"

#include <string>
#include <unordered_map>

namespace chatd::chat {

/// The room directory: hands out the room of a name, spawning it (under the
/// rooms supervisor) on first use. Rooms are registered by name, so a
/// restarted lobby finds the rooms that already run instead of doubling them.
class lobby final : public act::actor<open_room> {
public:
    lobby(act::supervisor_ref rooms, room::storage_ref storage, room_options opts);

    room_ref handle(const open_room& m) override;

    /// The registry name of a room's actor.
    static std::string registry_name(const std::string& room_name) { return "room:" + room_name; }

private:
    act::supervisor_ref rooms_;
    room::storage_ref storage_;
    room_options opts_;
    std::unordered_map<std::string, room_ref> known_;
};

}  // namespace chatd::chat
