#include "protocol/product_requests.hpp"

#include "protocol/utf8.hpp"
#include "protocol/validate.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace chatd::protocol::detail {

namespace {

// A topic in `k` (create_room: optional, set_topic: required; "" is a topic).
std::string_view read_topic(field_reader& r, bool required) {
    const std::optional<std::string_view> topic =
        required ? std::optional(r.required_string(key::topic)) : r.optional_string(key::topic);
    if (r.failed() || !topic) return {};
    if (!is_valid_utf8(*topic)) {
        r.fail(error_code::invalid_utf8, "\"topic\" is not valid UTF-8");
        return {};
    }
    if (!is_valid_topic(*topic)) {
        r.fail(error_code::invalid_field, "\"topic\" must be 0-256 bytes of one line, with no control characters");
        return {};
    }
    return *topic;
}

std::string_view read_emoji(field_reader& r) {
    const std::string_view emoji = r.required_string(key::emoji);
    if (r.failed()) return {};
    if (!is_valid_utf8(emoji)) {
        r.fail(error_code::invalid_utf8, "\"emoji\" is not valid UTF-8");
        return {};
    }
    if (!is_valid_emoji(emoji)) {
        r.fail(error_code::invalid_field, "\"emoji\" must be 1-32 bytes with no whitespace or control characters");
        return {};
    }
    return emoji;
}

}  // namespace

decode_result build_create_room(field_reader& r, const limits&) {
    const std::string_view kind_name = r.required_string(key::kind);
    if (r.failed()) return r.take_error();
    const auto kind = room_kind_from_string(kind_name);
    if (!kind || *kind == room_kind::direct) {
        r.fail(error_code::invalid_field, "\"kind\" must be \"public\" or \"private\" (open_direct opens direct rooms)");
        return r.take_error();
    }
    std::string_view room;
    if (*kind == room_kind::public_room) {
        room = r.room();
        if (!r.failed() && !is_public_room_name(room))
            r.fail(error_code::invalid_field, "a public room's \"room\" must be 1-64 bytes of [A-Za-z0-9_.-], not "
                                              "starting with '.'");
    } else if (r.has(key::room)) {
        r.fail(error_code::invalid_field, "the server names a private room: leave \"room\" out");
    }
    const std::string_view topic = read_topic(r, false);
    if (r.failed()) return r.take_error();
    return request{.id = r.id(),
                   .body = create_room_request{.kind = *kind, .room = std::string(room), .topic = std::string(topic)}};
}

decode_result build_open_direct(field_reader& r, const limits&) {
    const std::vector<std::string_view> users = r.required_strings(key::users, max_direct_users);
    for (const std::string_view u : users) {
        if (!r.check_user(key::users, u)) break;
    }
    if (r.failed()) return r.take_error();
    std::vector<std::string_view> sorted = users;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        r.fail(error_code::invalid_field, "\"users\" names a user twice");
        return r.take_error();
    }
    open_direct_request body;
    body.users.assign(users.begin(), users.end());
    return request{.id = r.id(), .body = std::move(body)};
}

decode_result build_members(field_reader& r, const limits&) {
    const std::string_view room = r.room();
    if (r.failed()) return r.take_error();
    return request{.id = r.id(), .body = members_request{.room = std::string(room)}};
}

decode_result build_member_change(field_reader& r, member_action action) {
    const std::string_view room = r.room();
    const std::string_view user = r.user(key::user);
    std::uint64_t until = 0;
    if (action == member_action::ban || action == member_action::mute) {
        until = r.optional_uint(key::until).value_or(0);
        // 0 would be a time long past: absent is the way to say "forever".
        if (!r.failed() && r.has(key::until) && until == 0)
            r.fail(error_code::invalid_field, "\"until\" must be 1..9007199254740991 ms since the epoch; leave it out "
                                              "for no end");
    }
    member_role role = member_role::member;
    if (action == member_action::role) {
        const std::string_view name = r.required_string(key::role);
        const auto parsed = r.failed() ? std::nullopt : member_role_from_string(name);
        if (!r.failed() && !parsed) r.fail(error_code::invalid_field, "\"role\" must be \"owner\", \"admin\" or \"member\"");
        role = parsed.value_or(member_role::member);
    }
    const std::string_view client_id = r.client_id();
    if (r.failed()) return r.take_error();
    return request{.id = r.id(),
                   .body = member_change_request{.action = action,
                                                 .room = std::string(room),
                                                 .user = std::string(user),
                                                 .until = until,
                                                 .role = role,
                                                 .client_id = std::string(client_id)}};
}

decode_result build_set_topic(field_reader& r, const limits&) {
    const std::string_view room = r.room();
    const std::string_view topic = read_topic(r, true);
    const std::string_view client_id = r.client_id();
    if (r.failed()) return r.take_error();
    return request{.id = r.id(),
                   .body = set_topic_request{.room = std::string(room),
                                             .topic = std::string(topic),
                                             .client_id = std::string(client_id)}};
}

decode_result build_line_change(field_reader& r, const limits& lim, event_kind kind) {
    const std::string_view room = r.room();
    const std::uint64_t seq = r.required_uint(key::seq, 1);
    std::string_view text;
    if (kind == event_kind::edit) text = r.text(lim.max_text_bytes);
    if (kind == event_kind::react || kind == event_kind::unreact) text = read_emoji(r);
    const std::string_view client_id = r.client_id();
    if (r.failed()) return r.take_error();
    return request{.id = r.id(),
                   .body = line_change_request{.kind = kind,
                                               .room = std::string(room),
                                               .seq = seq,
                                               .text = std::string(text),
                                               .client_id = std::string(client_id)}};
}

decode_result build_read(field_reader& r, const limits&) {
    const std::string_view room = r.room();
    const std::uint64_t seq = r.required_uint(key::seq);
    if (r.failed()) return r.take_error();
    return request{.id = r.id(), .body = read_request{.room = std::string(room), .seq = seq}};
}

}  // namespace chatd::protocol::detail
