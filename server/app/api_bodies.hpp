#pragma once

// The HTTP API's room endpoints in JSON: the bodies of creating a room and
// of changing a member, the list's query, and the rooms answered. Checked
// by the protocol's rules (room and user names, topic, client_id), so the
// API refuses what a WebSocket client would be refused. Pure; any thread.

#include "net/listener.hpp"
#include "storage/rows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::app::api {

/// The most members a POST /api/v1/rooms names.
inline constexpr std::size_t max_initial_members = 256;

/// The body of POST /api/v1/rooms: {kind, room?, topic?, members?} or, for
/// a direct room, {kind, users, topic?}. The room to make, or the answer to
/// give instead: 400 (a decode error) or 403 (a guest in a private or
/// direct room, or with a role). created_by and ts_ms are left to the caller.
std::optional<storage::new_room> decode_create(std::string_view body, net::api_response& refused);

/// The body of PUT .../members/{user} ({role?, client_id?}) or of POST
/// .../bans/{user} and .../mutes/{user} ({until_ms?, client_id?}); an empty
/// body is {}. client_id is "" when absent.
struct change_body {
    protocol::member_role role = protocol::member_role::member;
    std::uint64_t until_ms = 0;  ///< 0: no end
    std::string client_id;
};
std::optional<change_body> decode_change(std::string_view body, net::api_response& refused);

/// The body of PATCH /api/v1/rooms/{room}: {topic, client_id?}. client_id
/// is "" when absent.
struct topic_body {
    std::string topic;
    std::string client_id;
};
std::optional<topic_body> decode_topic(std::string_view body, net::api_response& refused);

/// ?after=&limit=&kind= of GET /api/v1/rooms.
struct list_query {
    std::string after;
    std::uint32_t limit = 50;
    std::optional<protocol::room_kind> kind;
};
std::optional<list_query> decode_list_query(std::string_view query, net::api_response& refused);

/// {"room","kind","topic","created_by","last_seq","created_ms","members":[...],"banned":[...]}:
/// members with their roles (and a mute in force), and the bans in force at now_ms.
std::string encode_room(const storage::room_state& state, std::int64_t now_ms);

/// {"rooms":[{"room","kind","topic","created_by","last_seq","created_ms"}...],"has_more"}.
std::string encode_room_list(const storage::room_list& list);

}  // namespace chatd::app::api
