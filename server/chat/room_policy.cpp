#include "chat/room_policy.hpp"

#include "protocol/validate.hpp"

namespace chatd::chat {

namespace {

// Guests live in their own namespace (docs/protocol.md, "identify"), so a
// target's name says whether it is a guest.
bool is_guest_name(std::string_view user) noexcept { return user.starts_with(protocol::guest_prefix); }

}  // namespace

const member_state* room_policy::find(std::string_view user) const {
    auto it = members_.find(std::string(user));
    return it == members_.end() ? nullptr : &it->second;
}

bool room_policy::is_member(std::string_view user) const {
    const member_state* s = find(user);
    return s != nullptr && s->member;
}

void room_policy::set(std::string user, member_state state) { members_.insert_or_assign(std::move(user), state); }

verdict room_policy::decide(actor_id who, room_action what, std::int64_t now_ms, std::string_view target,
                            std::optional<member_role> new_role) const {
    if (who.app) return decide_app(what, now_ms, target, new_role);
    const member_state* me = find(who.user);
    const bool member = me != nullptr && me->member;
    const bool banned = me != nullptr && in_force(me->banned_until_ms, now_ms);
    // A ban is said, in every kind of room (docs/protocol.md): the banned
    // user knew the room, so it learns nothing it did not.
    if (banned) return verdict::banned;
    // A private or direct room does not exist for anyone else outside it:
    // the same answer as a name nobody uses.
    if (kind_ != room_kind::public_room && (!member || who.guest)) return verdict::not_found;
    switch (what) {
        case room_action::join:
        case room_action::read:
            return verdict::allowed;
        // In a public room anyone may take part without being a member
        // (only a mute or a ban, stored for non-members too, stops them);
        // in the others only members got this far.
        case room_action::send:
            return me != nullptr && in_force(me->muted_until_ms, now_ms) ? verdict::muted : verdict::allowed;
        case room_action::delete_own:
            return verdict::allowed;
        default:
            return decide_moderation(me, what, now_ms, target, new_role);
    }
}

verdict room_policy::decide_moderation(const member_state* me, room_action what, std::int64_t now_ms,
                                       std::string_view target, std::optional<member_role> new_role) const {
    if (me == nullptr || !me->member) return verdict::forbidden;
    // Nobody moderates a direct conversation; its members may name it.
    if (kind_ == room_kind::direct) return what == room_action::set_topic ? verdict::allowed : verdict::forbidden;
    if (protocol::rank(me->role) < protocol::rank(member_role::admin)) return verdict::forbidden;
    if (what == room_action::set_topic) return verdict::allowed;

    const member_state* them = find(target);
    const member_role their_role = them != nullptr ? them->role : member_role::member;
    switch (what) {
        case room_action::invite: return may_invite(target, now_ms) ? verdict::allowed : verdict::forbidden;
        case room_action::set_role:
            if (me->role != member_role::owner || !new_role || target.empty()) return verdict::forbidden;
            if (them == nullptr || !them->member || is_guest_name(target)) return verdict::forbidden;
            // The owner hands the room over (and becomes an admin) or sets
            // someone else's role; it never demotes itself otherwise.
            if (them == me) return verdict::forbidden;
            return verdict::allowed;
        default:
            break;
    }
    // remove, ban, unban, mute, unmute, delete_any: only on a lower role,
    // never on oneself.
    if (them == me) return verdict::forbidden;
    return protocol::rank(their_role) < protocol::rank(me->role) ? verdict::allowed : verdict::forbidden;
}

// Guests may only use public rooms; a banned user is unbanned first.
bool room_policy::may_invite(std::string_view target, std::int64_t now_ms) const {
    if (kind_ != room_kind::public_room && is_guest_name(target)) return false;
    const member_state* them = find(target);
    return them == nullptr || !in_force(them->banned_until_ms, now_ms);
}

verdict room_policy::decide_app(room_action what, std::int64_t now_ms, std::string_view target,
                                std::optional<member_role> new_role) const {
    switch (what) {
        case room_action::join:
        case room_action::read:
        case room_action::send:
        case room_action::delete_own:
        case room_action::delete_any:
        case room_action::set_topic: return verdict::allowed;
        default: break;
    }
    if (kind_ == room_kind::direct || target.empty()) return verdict::forbidden;
    // Guests hold no role.
    if (new_role && *new_role != member_role::member && is_guest_name(target)) return verdict::forbidden;
    switch (what) {
        case room_action::invite: return may_invite(target, now_ms) ? verdict::allowed : verdict::forbidden;
        case room_action::set_role:
            return new_role && is_member(target) && !is_guest_name(target) ? verdict::allowed : verdict::forbidden;
        default: return verdict::allowed;  // remove, ban, unban, mute, unmute: anyone
    }
}

bool room_policy::changes(protocol::member_action action, std::string_view subject, member_role role,
                          std::int64_t now_ms) const {
    using ma = protocol::member_action;
    const member_state* s = find(subject);
    const bool member = s != nullptr && s->member;
    switch (action) {
        case ma::invite:
        case ma::join: return !member;
        case ma::role: return !member || s->role != role;  // a non-member: refused by decide, not skipped
        case ma::leave:
        case ma::remove: return member;
        case ma::unban: return s != nullptr && in_force(s->banned_until_ms, now_ms);
        case ma::unmute: return s != nullptr && in_force(s->muted_until_ms, now_ms);
        case ma::ban:
        case ma::mute: break;
    }
    return true;  // a ban or mute (again) sets its end anew
}

}  // namespace chatd::chat
