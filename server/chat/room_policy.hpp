#pragma once

// Who may do what in a room: the authorization rules of docs/protocol.md
// ("Room kinds", "Roles"), as pure functions of the room's kind, the
// member table and the clock. The room actor asks before it acts; nothing
// here touches a mailbox, storage or the wire, so every rule is tested
// alone (tests/chat/room_policy_test.cpp).

#include "protocol/vocabulary.hpp"
#include "storage/rows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chatd::chat {

using protocol::member_role;
using protocol::room_kind;
using storage::forever_ms;
using storage::in_force;

/// One user's standing in one room. A banned user is not a member; the row
/// stays so the ban can be checked and lifted.
struct member_state {
    bool member = false;
    member_role role = member_role::member;
    std::int64_t banned_until_ms = 0;  ///< 0: not banned; forever_ms: until unbanned
    std::int64_t muted_until_ms = 0;   ///< 0: not muted; forever_ms: until unmuted
};

/// What a user asks to do. Each maps to one rule in decide().
enum class room_action : std::uint8_t {
    join,         ///< subscribe (and, for a public room, become a member)
    read,         ///< history, replay, presence, typing, the member list
    send,         ///< post a line, react, edit one's own line, set a read marker
    delete_own,   ///< delete one's own line
    delete_any,   ///< delete another user's line (the line's sender is the target)
    invite,
    remove,
    ban,
    unban,
    mute,
    unmute,
    set_role,
    set_topic,
};

/// The answer, which the room turns into a reply's error code.
enum class verdict : std::uint8_t {
    allowed,
    not_found,  ///< the room is not visible to this user: the same answer as a room that does not exist
    forbidden,  ///< visible, but the user's role (or the room's kind) does not allow it
    banned,     ///< the user is banned from this room
    muted,      ///< the user is muted in this room
};

/// Who is asking. A guest may only use public rooms. The app's backend (the
/// HTTP API, acting as "system") is above every role: it sees every room and
/// may do what an owner may, against anyone, owners included; the rules
/// about the subject still hold (nobody moderates a direct room, no guest in
/// a private room or with a role, no invite of a banned user).
struct actor_id {
    std::string_view user;
    bool guest = false;
    bool app = false;
};

/// The rules of one room. Owned by the room actor; not thread-safe.
class room_policy {
public:
    explicit room_policy(room_kind kind) : kind_(kind) {}

    room_kind kind() const noexcept { return kind_; }

    /// May `who` do `what` at `now_ms`? `target` is the user acted on (for
    /// invite, remove, ban, unban, mute, unmute, set_role and delete_any:
    /// the sender of the line). `new_role` is set_role's role.
    verdict decide(actor_id who, room_action what, std::int64_t now_ms, std::string_view target = {},
                   std::optional<member_role> new_role = std::nullopt) const;

    /// Whether a member event `action` (with `role` for invite and role)
    /// on `subject` would change its row at `now_ms`: false for removing a
    /// non-member, unbanning a user who is not banned, unmuting one who is
    /// not muted, an invite of a member or a role it has already.
    bool changes(protocol::member_action action, std::string_view subject, member_role role,
                 std::int64_t now_ms) const;

    /// The user's row, or null when the room has never seen the user.
    const member_state* find(std::string_view user) const;

    /// Whether the user is a member now (not banned, not removed).
    bool is_member(std::string_view user) const;

    /// Replaces (or adds) a user's row: the room calls it when it loads its
    /// members and after a membership event is committed.
    void set(std::string user, member_state state);

    /// Every row, for the member list.
    const std::unordered_map<std::string, member_state>& members() const noexcept { return members_; }

private:
    verdict decide_moderation(const member_state* me, room_action what, std::int64_t now_ms,
                              std::string_view target, std::optional<member_role> new_role) const;
    verdict decide_app(room_action what, std::int64_t now_ms, std::string_view target,
                       std::optional<member_role> new_role) const;
    bool may_invite(std::string_view target, std::int64_t now_ms) const;

    room_kind kind_;
    std::unordered_map<std::string, member_state> members_;
};

}  // namespace chatd::chat
