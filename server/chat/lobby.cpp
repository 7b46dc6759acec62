#include "chat/lobby.hpp"

#include "act/system.hpp"

#include <utility>

namespace chatd::chat {

// Why joins go through the lobby: a session used to get a room's ref here
// and then tell the room `join` itself, so a room that stopped between the
// two would swallow the join. Now the lobby tells the room the join, and it
// asks a room to retire only after every join it passed on (one mailbox,
// first in first out): the room declines if one came, and while it decides
// the lobby holds new requests for that name. A room stops only when it
// agrees, so nothing the lobby sent it is lost, and a new room of the name
// starts only after the old one is gone (and its registry name with it).

lobby::lobby(act::supervisor_ref rooms, room::storage_ref storage, room_options opts, const chat_metrics* metrics,
             cluster_link bus, user_notifier* users)
    : rooms_(std::move(rooms)), storage_(std::move(storage)), opts_(opts), metrics_(metrics), bus_(std::move(bus)),
      users_(users) {}

void lobby::handle(const open_room& m, act::promise<open_result> reply) {
    auto it = known_.find(m.name);
    if (it != known_.end() && it->second.retiring) {
        if (it->second.waiting.size() >= max_held) return reply.deliver(open_result{});
        it->second.waiting.push_back(held{m, std::move(reply)});
        return;
    }
    bool created = false;
    if (it == known_.end() || it->second.ref.terminated()) {
        const std::string reg = registry_name(m.name);
        room::ref_type r;
        if (auto found = sys().lookup<room::ref_type>(reg)) {
            r = *found;
        } else {
            if (!m.may_create) return reply.deliver(open_result{{}, false, true});
            act::spawn_options o{.parent = rooms_, .kind = act::child_kind::permanent, .name = reg, .label = "room"};
            r = sys().spawn<room>(o, m.name, storage_, opts_, room::lobby_ref(self()), metrics_, bus_, users_);
            created = true;
        }
        it = known_.insert_or_assign(m.name, entry{std::move(r)}).first;
    }
    serve(it->second, m, std::move(reply), created);
}

void lobby::serve(entry& e, const open_room& m, act::promise<open_result> reply, bool created) {
    // The reply first: the session then knows the room before any frame of it.
    reply.deliver(open_result{room_ref(e.ref), created, false});
    if (m.then_join) e.ref.tell(*m.then_join);
}

void lobby::handle(const room_idle& m) {
    auto it = known_.find(m.name);
    if (it == known_.end() || it->second.retiring || it->second.ref.id() != m.room_id) return;
    entry& e = it->second;
    e.retiring = true;
    monitor(e.ref);  // its end frees the name; on_down serves who waited
    ask(e.ref, retire_room{}, opts_.storage_timeout, [this, name = m.name, id = m.room_id](act::result<bool> r) {
        auto found = known_.find(name);
        if (found == known_.end() || found->second.ref.id() != id || (r && *r)) return;  // stopping: see on_down
        // Declined (a join came), or no answer: it carries on as it was.
        found->second.retiring = false;
        unwatch(found->second.ref);
        serve_held(std::exchange(found->second.waiting, {}));
    });
}

void lobby::on_down(const act::down_notice& d) {
    const std::string prefix = registry_name("");
    if (d.name.rfind(prefix, 0) != 0) return;
    auto it = known_.find(d.name.substr(prefix.size()));
    if (it == known_.end() || it->second.ref.id() != d.id) return;
    auto waiting = std::exchange(it->second.waiting, {});
    known_.erase(it);
    serve_held(std::move(waiting));  // the first starts the room again
}

void lobby::serve_held(std::vector<held> waiting) {
    for (auto& h : waiting) handle(h.request, std::move(h.reply));
}

}  // namespace chatd::chat
