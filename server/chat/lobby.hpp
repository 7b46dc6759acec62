#pragma once

#include "act/actor.hpp"
#include "act/supervisor.hpp"
#include "chat/messages.hpp"
#include "chat/room.hpp"
#include "chat/room_options.hpp"

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace chatd::chat {

/// The room directory: hands out the room of a name, spawning it (under the
/// rooms supervisor) on first use, and passes the session's join on to it.
/// Rooms are registered by name, so a restarted lobby finds the rooms that
/// already run instead of doubling them. A room idle for its timeout asks to
/// be retired; the lobby asks it to stop and, until it has stopped or
/// declined, holds the requests for its name.
class lobby final : public act::actor<open_room, room_idle> {
public:
    /// `bus`: the cluster bus each room uses; off for one node. `users`:
    /// how each room reaches a user's connections outside it (may be null).
    lobby(act::supervisor_ref rooms, room::storage_ref storage, room_options opts,
          const chat_metrics* metrics = nullptr, cluster_link bus = {}, user_notifier* users = nullptr);

    void handle(const open_room& m, act::promise<open_result> reply) override;
    void handle(const room_idle& m) override;
    void on_down(const act::down_notice& d) override;

    /// The registry name of a room's actor.
    static std::string registry_name(const std::string& room_name) { return "room:" + room_name; }

private:
    struct held {
        open_room request;
        act::promise<open_result> reply;
    };
    struct entry {
        room::ref_type ref;
        bool retiring = false;     // asked to stop: requests wait in `held`
        std::vector<held> waiting;  // at most max_held
    };
    /// Requests held for one retiring room; more get an unavailable reply.
    static constexpr std::size_t max_held = 1024;

    void serve(entry& e, const open_room& m, act::promise<open_result> reply, bool created);
    void serve_held(std::vector<held> waiting);

    act::supervisor_ref rooms_;
    room::storage_ref storage_;
    room_options opts_;
    const chat_metrics* metrics_;  // given to each room
    cluster_link bus_;             // given to each room
    user_notifier* users_;         // given to each room
    std::unordered_map<std::string, entry> known_;
};

}  // namespace chatd::chat
