#include "storage/event_rules.hpp"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>

namespace chatd::storage {

namespace {
// A ban or mute's end as the members table holds it (0 there means none).
std::int64_t until_or_forever(std::int64_t until_ms) noexcept { return until_ms == 0 ? forever_ms : until_ms; }
}  // namespace

std::vector<std::string> direct_users(const new_room& r) {
    std::vector<std::string> users = r.users;
    if (r.creator_member) users.push_back(r.created_by);
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    return users;
}

namespace {

// The members a public or private room starts with: each once, none empty,
// the creator not among them when it is one.
bool members_well_formed(const new_room& r) {
    std::vector<std::string_view> users;
    if (r.creator_member) users.push_back(r.created_by);
    for (const auto& m : r.members) users.push_back(m.user);
    std::sort(users.begin(), users.end());
    return std::adjacent_find(users.begin(), users.end()) == users.end() &&
           std::none_of(users.begin(), users.end(), [](std::string_view u) { return u.empty(); });
}

bool clean(const std::string& s) { return s.find('\0') == std::string::npos; }

}  // namespace

bool well_formed(const new_room& r) {
    if (r.created_by.empty()) return false;
    const bool assigned = !r.name.empty() && r.name.front() == '!';
    switch (r.kind) {
    case room_kind::public_room: return !r.name.empty() && !assigned && members_well_formed(r);
    case room_kind::private_room: return (r.name.empty() || assigned) && members_well_formed(r);
    case room_kind::direct: {
        if (!r.name.empty() && !assigned) return false;
        const auto users = direct_users(r);
        const bool none_empty = std::none_of(users.begin(), users.end(), [](const auto& u) { return u.empty(); });
        return none_empty && users.size() >= 2 && users.size() <= max_direct_users;
    }
    }
    return false;
}

bool storable(const new_message& m) {
    return clean(m.room) && clean(m.sender) && clean(m.client_id) && clean(m.text) && clean(m.subject) &&
           std::all_of(m.mentions.begin(), m.mentions.end(), clean);
}

bool storable(const new_room& r) {
    return clean(r.name) && clean(r.created_by) && clean(r.topic) && std::all_of(r.users.begin(), r.users.end(), clean) &&
           std::all_of(r.members.begin(), r.members.end(), [](const initial_member& m) { return clean(m.user); });
}

bool storable(const read_mark& m) { return clean(m.user) && clean(m.room); }

std::string direct_key(const new_room& r) {
    std::string key;
    for (const auto& user : direct_users(r)) {
        if (!key.empty()) key += '\n';
        key += user;
    }
    return key;
}

// base32's letters, so that a name tells nothing about another.
std::string random_room_name() {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::random_device source;
    std::string name = "!";
    std::uint32_t bits = 0;
    int left = 0;
    while (name.size() < 21) {
        if (left < 5) {
            bits = source();
            left = 32;
        }
        name += alphabet[bits & 31U];
        bits >>= 5;
        left -= 5;
    }
    return name;
}

std::vector<member_row> founding_members(const new_room& r) {
    std::vector<member_row> out;
    if (r.kind == room_kind::direct) {
        for (auto& user : direct_users(r))
            out.push_back(member_row{std::move(user), member_role::member, true, 0, 0, r.ts_ms});
    } else {
        if (r.creator_member) out.push_back(member_row{r.created_by, member_role::owner, true, 0, 0, r.ts_ms});
        for (const auto& m : r.members) out.push_back(member_row{m.user, m.role, true, 0, 0, r.ts_ms});
        std::sort(out.begin(), out.end(), [](const member_row& a, const member_row& b) { return a.user < b.user; });
    }
    return out;
}

member_change apply_member_event(std::optional<member_row> before, const new_message& m) {
    member_change out;
    out.row = before ? std::move(*before) : member_row{m.subject, member_role::member, false, 0, 0, m.ts_ms};
    member_row& row = out.row;
    switch (m.action) {
    case member_action::join:
    case member_action::invite:
        // Already a member: a second join changes nothing (its role stays).
        if (!row.is_member) {
            row = member_row{m.subject, m.role, true, row.banned_until, row.muted_until, m.ts_ms};
            out.became_member = true;
        }
        break;
    case member_action::leave:
    case member_action::remove:
        row.is_member = false;
        row.role = member_role::member;
        break;
    case member_action::ban:
        row.is_member = false;
        row.role = member_role::member;
        row.banned_until = until_or_forever(m.until_ms);
        break;
    case member_action::unban: row.banned_until = 0; break;
    case member_action::mute: row.muted_until = until_or_forever(m.until_ms); break;
    case member_action::unmute: row.muted_until = 0; break;
    case member_action::role: row.role = m.role; break;
    }
    out.keep = row.is_member || row.banned_until != 0 || row.muted_until != 0;
    return out;
}

}  // namespace chatd::storage
