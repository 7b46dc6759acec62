#pragma once

// A room with the room model on (membership events), on the deterministic
// executor between a fake storage and fake sessions, and the few verbs the
// room's tests speak: a stored room, a user joining, a line, a change.

#include "chat/room.hpp"
#include "fakes.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chatd::test {

using chat::change;
using chat::join;
using chat::post;
using chat::room;
using chat::session_ref;
using storage::member_role;
using storage::member_row;
using storage::room_kind;

class room_fixture : public act::test::deterministic {
protected:
    /// A room storage knows, with its kind and member rows.
    void stored(const std::string& name, room_kind kind, std::vector<member_row> members) {
        auto& s = db_->states[name];
        s.exists = true;
        s.room.kind = kind;
        s.members = std::move(members);
    }
    void make_room(const std::string& name) {
        storage_ = sys_.spawn<fake_storage>({.label = "storage"}, db_, true);
        room_ = sys_.spawn<room>({.label = "room"}, name, room::storage_ref(storage_),
                                 chat::room_options{.membership_events = true}, room::lobby_ref{}, nullptr,
                                 chat::cluster_link{}, &users_);
        run();
    }
    struct member {
        inbox frames;
        session_ref session;
        std::string user;
    };
    /// A connection of `user`, signed in (listed in users_), in no room.
    member connect(const std::string& user) {
        auto frames = std::make_shared<std::vector<seen>>();
        auto s = sys_.spawn<fake_session>({.label = "session"}, frames);
        users_.add(user, s.id(), frames);
        return {frames, session_ref(s), user};
    }
    /// `user` joins; `granted`: holding a token that grants the room with that role.
    member joined(const std::string& user, bool guest = false,
                  std::optional<chatd::storage::member_role> granted = std::nullopt) {
        auto m = connect(user);
        room_.tell(join{m.session.id(), user, m.session, std::uint64_t{1}, {}, guest, {}, granted});
        run();
        return m;
    }
    void say(const member& m, const std::string& client_id, const std::string& text) {
        room_.tell(post{m.session.id(), m.user, client_id, text, std::uint64_t{7}, 1000});
        run();
    }
    void ask_change(const member& m, change::body_type body) {
        room_.tell(change{m.session.id(), m.user, false, std::uint64_t{9}, 2000, std::move(body)});
        run();
    }
    static std::string last_error(const member& m) {
        auto errors = of_type(m.frames, "error");
        return errors.empty() ? "<none>" : field(errors.back(), "code");
    }

    fake_notifier users_;  // every connection connect() made, for the room to reach those outside it
    std::shared_ptr<fake_db> db_ = std::make_shared<fake_db>();
    fake_storage::ref_type storage_;
    room::ref_type room_;
};

/// A member row of `user` with `role`.
inline member_row row(const std::string& user, member_role role = member_role::member) { return member_row{user, role}; }

}  // namespace chatd::test
