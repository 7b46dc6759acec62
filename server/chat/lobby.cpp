#include "chat/lobby.hpp"

#include "act/system.hpp"

#include <utility>

namespace chatd::chat {

lobby::lobby(act::supervisor_ref rooms, room::storage_ref storage, room_options opts)
    : rooms_(std::move(rooms)), storage_(std::move(storage)), opts_(opts) {}

room_ref lobby::handle(const open_room& m) {
    if (auto it = known_.find(m.name); it != known_.end() && !it->second.terminated()) return it->second;
    const std::string reg = registry_name(m.name);
    room_ref r;
    if (auto found = sys().lookup<room_ref>(reg)) {
        r = *found;
    } else {
        act::spawn_options o{.parent = rooms_, .kind = act::child_kind::permanent, .name = reg, .label = "room"};
        r = sys().spawn<room>(o, m.name, storage_, opts_);
    }
    known_[m.name] = r;
    return r;
}

}  // namespace chatd::chat
