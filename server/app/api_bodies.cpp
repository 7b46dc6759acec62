#include "app/api_bodies.hpp"

#include "app/api_json.hpp"
#include "protocol/error_code.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"
#include "protocol/validate.hpp"

#include <simdjson.h>

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

namespace chatd::app::api {

namespace {

using protocol::error_code;
namespace dom = simdjson::dom;

net::api_response bad_request(error_code code, std::string_view message) {
    return error(400, protocol::to_string(code), message);
}

// A body's top-level fields that the endpoint knows (others are ignored, a
// null is absent), each at most once.
class body_fields {
public:
    bool parse(std::string_view body, std::initializer_list<std::string_view> known, bool empty_is_object,
               net::api_response& refused) {
        if (empty_is_object && body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
        dom::element root;
        if (const auto err = parser_.parse(body.data(), body.size()).get(root); err != simdjson::SUCCESS) {
            refused = err == simdjson::UTF8_ERROR ? bad_request(error_code::invalid_utf8, "the body is not valid UTF-8")
                                                  : bad_request(error_code::bad_json, "the body is not JSON");
            return false;
        }
        dom::object obj;
        if (root.get_object().get(obj) != simdjson::SUCCESS) {
            refused = bad_request(error_code::bad_json, "the body is not a JSON object");
            return false;
        }
        for (const auto field : obj) {
            if (std::find(known.begin(), known.end(), field.key) == known.end()) continue;
            if (find(field.key) != nullptr || seen(field.key)) {
                refused = bad_request(error_code::bad_json, "\"" + std::string(field.key) + "\" is given twice");
                return false;
            }
            if (field.value.is_null()) {
                nulls_.push_back(field.key);
                continue;
            }
            fields_.emplace_back(field.key, field.value);
        }
        return true;
    }

    const dom::element* find(std::string_view key) const {
        for (const auto& [k, v] : fields_)
            if (k == key) return &v;
        return nullptr;
    }

private:
    bool seen(std::string_view key) const { return std::find(nulls_.begin(), nulls_.end(), key) != nulls_.end(); }

    dom::parser parser_;
    std::vector<std::pair<std::string_view, dom::element>> fields_;
    std::vector<std::string_view> nulls_;
};

bool wrong_type(std::string_view key, std::string_view what, net::api_response& refused) {
    refused = bad_request(error_code::wrong_type, "\"" + std::string(key) + "\" must be " + std::string(what));
    return false;
}

bool read_string(const dom::element& e, std::string_view key, std::string_view& out, net::api_response& refused) {
    if (e.get_string().get(out) != simdjson::SUCCESS) return wrong_type(key, "a string", refused);
    return true;
}

bool read_client_id(const body_fields& f, std::string& out, net::api_response& refused) {
    const dom::element* e = f.find("client_id");
    if (e == nullptr) return true;
    std::string_view s;
    if (!read_string(*e, "client_id", s, refused)) return false;
    if (!protocol::is_valid_client_id(s)) {
        refused = bad_request(error_code::invalid_field, "\"client_id\" must be 1-64 bytes of [A-Za-z0-9_.:-]");
        return false;
    }
    out = std::string(s);
    return true;
}

bool read_user(const dom::element& e, std::string_view key, std::string& out, net::api_response& refused) {
    std::string_view s;
    if (!read_string(e, key, s, refused)) return false;
    if (!protocol::is_valid_user_id(s)) {
        refused = bad_request(error_code::invalid_field, "\"" + std::string(key) + "\" holds a name that is not a user id");
        return false;
    }
    out = std::string(s);
    return true;
}

bool read_role(const dom::element& e, protocol::member_role& out, net::api_response& refused) {
    std::string_view s;
    if (!read_string(e, "role", s, refused)) return false;
    const auto role = protocol::member_role_from_string(s);
    if (!role) {
        refused = bad_request(error_code::invalid_field, "\"role\" must be owner, admin or member");
        return false;
    }
    out = *role;
    return true;
}

bool is_guest(std::string_view user) { return user.starts_with(protocol::guest_prefix); }

net::api_response forbidden(std::string_view message) {
    return error(403, protocol::to_string(error_code::forbidden), message);
}

// members: [{user, role?}...] of a public or private room.
bool read_members(const dom::element& e, storage::new_room& r, net::api_response& refused) {
    dom::array list;
    if (e.get_array().get(list) != simdjson::SUCCESS) return wrong_type("members", "an array of objects", refused);
    if (list.size() > max_initial_members) {
        refused = bad_request(error_code::invalid_field,
                              "\"members\" lists at most " + std::to_string(max_initial_members) + " users");
        return false;
    }
    for (const dom::element item : list) {
        dom::object obj;
        if (item.get_object().get(obj) != simdjson::SUCCESS) return wrong_type("members", "an array of objects", refused);
        storage::initial_member m;
        dom::element user, role;
        if (obj["user"].get(user) != simdjson::SUCCESS) {
            refused = bad_request(error_code::missing_field, "each of \"members\" needs a \"user\"");
            return false;
        }
        if (!read_user(user, "user", m.user, refused)) return false;
        if (obj["role"].get(role) == simdjson::SUCCESS && !role.is_null() && !read_role(role, m.role, refused))
            return false;
        const bool taken = std::any_of(r.members.begin(), r.members.end(),
                                       [&](const storage::initial_member& o) { return o.user == m.user; });
        if (taken) {
            refused = bad_request(error_code::invalid_field, "\"members\" names " + m.user + " twice");
            return false;
        }
        if (is_guest(m.user) && (r.kind != protocol::room_kind::public_room || m.role != protocol::member_role::member)) {
            refused = forbidden("a guest may only be a member of a public room, with no role");
            return false;
        }
        r.members.push_back(std::move(m));
    }
    return true;
}

// users: the 2..8 distinct users of a direct room.
bool read_users(const dom::element* e, storage::new_room& r, net::api_response& refused) {
    if (e == nullptr) {
        refused = bad_request(error_code::missing_field, "a direct room needs \"users\"");
        return false;
    }
    dom::array list;
    if (e->get_array().get(list) != simdjson::SUCCESS) return wrong_type("users", "an array of strings", refused);
    for (const dom::element item : list) {
        std::string user;
        if (!read_user(item, "users", user, refused)) return false;
        if (std::find(r.users.begin(), r.users.end(), user) != r.users.end()) {
            refused = bad_request(error_code::invalid_field, "\"users\" names " + user + " twice");
            return false;
        }
        if (is_guest(user)) {
            refused = forbidden("a guest cannot be in a direct room");
            return false;
        }
        r.users.push_back(std::move(user));
        if (r.users.size() > storage::max_direct_users) break;
    }
    if (r.users.size() < 2 || r.users.size() > storage::max_direct_users) {
        refused = bad_request(error_code::invalid_field, "\"users\" lists 2 to 8 distinct users");
        return false;
    }
    return true;
}

void write_room_row(protocol::json_writer& w, const storage::room_row& r) {
    w.string_field("room", r.name);
    w.string_field("kind", protocol::to_string(r.kind));
    w.string_field("topic", r.topic);
    if (!r.created_by.empty()) w.string_field("created_by", r.created_by);
    w.unsigned_field("last_seq", r.last_seq);
    w.signed_field("created_ms", r.created_ms);
}

// A topic by the protocol's rule (0 to 256 bytes of one line).
bool read_topic(const dom::element& e, std::string& out, net::api_response& refused) {
    std::string_view s;
    if (!read_string(e, "topic", s, refused)) return false;
    if (!protocol::is_valid_utf8(s)) {
        refused = bad_request(error_code::invalid_utf8, "\"topic\" is not valid UTF-8");
        return false;
    }
    if (!protocol::is_valid_topic(s)) {
        refused = bad_request(error_code::invalid_field,
                              "\"topic\" must be 0-256 bytes of one line, with no control characters");
        return false;
    }
    out = std::string(s);
    return true;
}

// A sanction's end as the API says it: 0 for none.
std::int64_t until_of(std::int64_t until) { return until == storage::forever_ms ? 0 : until; }

}  // namespace

std::optional<storage::new_room> decode_create(std::string_view body, net::api_response& refused) {
    body_fields f;
    if (!f.parse(body, {"kind", "room", "topic", "members", "users"}, false, refused)) return std::nullopt;
    storage::new_room r;
    std::string_view s;
    const dom::element* kind = f.find("kind");
    if (kind == nullptr) {
        refused = bad_request(error_code::missing_field, "\"kind\" is required");
        return std::nullopt;
    }
    if (!read_string(*kind, "kind", s, refused)) return std::nullopt;
    const auto k = protocol::room_kind_from_string(s);
    if (!k) {
        refused = bad_request(error_code::invalid_field, "\"kind\" must be public, private or direct");
        return std::nullopt;
    }
    r.kind = *k;
    const dom::element* room = f.find("room");
    if (r.kind == protocol::room_kind::public_room) {
        if (room == nullptr) {
            refused = bad_request(error_code::missing_field, "a public room needs \"room\"");
            return std::nullopt;
        }
        if (!read_string(*room, "room", s, refused)) return std::nullopt;
        if (!protocol::is_public_room_name(s)) {
            refused = bad_request(error_code::invalid_field,
                                  "\"room\" must be 1-64 bytes of [A-Za-z0-9_.-], not starting with '.'");
            return std::nullopt;
        }
        r.name = std::string(s);
    } else if (room != nullptr) {
        refused = bad_request(error_code::invalid_field, "the server names a private or direct room: no \"room\"");
        return std::nullopt;
    }
    if (const dom::element* topic = f.find("topic"); topic != nullptr && !read_topic(*topic, r.topic, refused))
        return std::nullopt;
    const dom::element* members = f.find("members");
    const dom::element* users = f.find("users");
    if (r.kind == protocol::room_kind::direct) {
        if (members != nullptr) {
            refused = bad_request(error_code::invalid_field, "a direct room takes \"users\", not \"members\"");
            return std::nullopt;
        }
        if (!read_users(users, r, refused)) return std::nullopt;
        return r;
    }
    if (users != nullptr) {
        refused = bad_request(error_code::invalid_field, "only a direct room takes \"users\"; use \"members\"");
        return std::nullopt;
    }
    if (members != nullptr && !read_members(*members, r, refused)) return std::nullopt;
    return r;
}

std::optional<change_body> decode_change(std::string_view body, net::api_response& refused) {
    body_fields f;
    if (!f.parse(body, {"role", "until_ms", "client_id"}, true, refused)) return std::nullopt;
    change_body out;
    if (const dom::element* role = f.find("role"); role != nullptr && !read_role(*role, out.role, refused))
        return std::nullopt;
    if (const dom::element* until = f.find("until_ms")) {
        if (until->get_uint64().get(out.until_ms) != simdjson::SUCCESS || out.until_ms == 0 ||
            out.until_ms > protocol::max_safe_integer) {
            refused = bad_request(until->is_number() ? error_code::invalid_field : error_code::wrong_type,
                                  "\"until_ms\" must be a time in ms since the epoch, 1 to 2^53 - 1");
            return std::nullopt;
        }
    }
    if (!read_client_id(f, out.client_id, refused)) return std::nullopt;
    return out;
}

std::optional<topic_body> decode_topic(std::string_view body, net::api_response& refused) {
    body_fields f;
    if (!f.parse(body, {"topic", "client_id"}, false, refused)) return std::nullopt;
    topic_body out;
    const dom::element* topic = f.find("topic");
    if (topic == nullptr) {
        refused = bad_request(error_code::missing_field, "\"topic\" is required (\"\" clears it)");
        return std::nullopt;
    }
    if (!read_topic(*topic, out.topic, refused) || !read_client_id(f, out.client_id, refused)) return std::nullopt;
    return out;
}

std::optional<list_query> decode_list_query(std::string_view query, net::api_response& refused) {
    list_query q;
    const bool ok = for_each_param(query, [&](std::string_view name, std::string_view value) {
        if (name == "after") {
            auto after = percent_decode(value);
            if (!after || (!after->empty() && !protocol::is_valid_room_name(*after))) {
                refused = bad_request(error_code::invalid_field, "\"after\" must be a room name");
                return false;
            }
            q.after = std::move(*after);
        } else if (name == "limit") {
            const auto n = parse_uint(value);
            if (!n || *n < 1 || *n > protocol::max_history_limit) {
                refused = bad_request(error_code::invalid_field, "\"limit\" must be 1..100");
                return false;
            }
            q.limit = static_cast<std::uint32_t>(*n);
        } else if (name == "kind") {
            q.kind = protocol::room_kind_from_string(value);
            if (!q.kind) {
                refused = bad_request(error_code::invalid_field, "\"kind\" must be public, private or direct");
                return false;
            }
        }
        return true;  // other parameters are ignored, as unknown JSON keys are
    });
    if (!ok) return std::nullopt;
    return q;
}

std::string encode_room(const storage::room_state& state, std::int64_t now_ms) {
    protocol::json_writer w(256 + state.members.size() * 48);
    w.begin_object();
    write_room_row(w, state.room);
    w.key("members");
    w.begin_array();
    for (const auto& m : state.members) {
        if (!m.is_member) continue;
        w.begin_object();
        w.string_field("user", m.user);
        w.string_field("role", protocol::to_string(m.role));
        if (storage::in_force(m.muted_until, now_ms)) {
            w.bool_field("muted", true);
            if (const auto until = until_of(m.muted_until); until != 0) w.signed_field("muted_until", until);
        }
        w.end_object();
    }
    w.end_array();
    w.key("banned");
    w.begin_array();
    for (const auto& m : state.members) {
        if (!storage::in_force(m.banned_until, now_ms)) continue;
        w.begin_object();
        w.string_field("user", m.user);
        if (const auto until = until_of(m.banned_until); until != 0) w.signed_field("until", until);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return std::move(w).take();
}

std::string encode_room_list(const storage::room_list& list) {
    protocol::json_writer w(64 + list.rooms.size() * 128);
    w.begin_object();
    w.key("rooms");
    w.begin_array();
    for (const auto& r : list.rooms) {
        w.begin_object();
        write_room_row(w, r);
        w.end_object();
    }
    w.end_array();
    w.bool_field("has_more", list.has_more);
    w.end_object();
    return std::move(w).take();
}

}  // namespace chatd::app::api
