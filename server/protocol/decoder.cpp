#include "protocol/decoder.hpp"

#include "protocol/field_reader.hpp"
#include "protocol/number_scan.hpp"
#include "protocol/product_requests.hpp"
#include "protocol/surrogate_scan.hpp"
#include "protocol/validate.hpp"

#include <simdjson.h>

#include <cstring>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace chatd::protocol {

namespace {

using detail::field_reader;
using detail::key;

// Parser memory a fresh decoder starts with; typical frames are smaller, and
// it grows on demand up to the frame limit.
constexpr std::size_t initial_capacity = 512;

decode_error frame_error(error_code code, std::string message) {
    return decode_error{.code = code, .id = {}, .message = std::move(message)};
}

decode_result build_identify(field_reader& r) {
    const auto name = r.optional_string(key::name);
    const auto token = r.optional_string(key::token);
    if (r.failed()) return r.take_error();
    if (name && token) {
        r.fail(error_code::invalid_field, "identify takes exactly one of \"name\" and \"token\"");
        return r.take_error();
    }
    if (token) {
        if (!is_valid_token(*token)) {
            r.fail(error_code::invalid_field, "\"token\" must be 1-8192 bytes of printable ASCII");
            return r.take_error();
        }
        return request{.id = r.id(), .body = identify_request{.name = {}, .token = std::string(*token)}};
    }
    if (!name) {
        r.fail(error_code::missing_field, "identify needs \"name\" (a guest) or \"token\"");
        return r.take_error();
    }
    const std::string_view trimmed = trim_spaces(*name);
    switch (check_user_name(trimmed)) {
        case name_check::ok:
            return request{.id = r.id(), .body = identify_request{.name = std::string(trimmed), .token = {}}};
        case name_check::invalid_utf8:
            r.fail(error_code::invalid_utf8, "\"name\" is not valid UTF-8");
            break;
        case name_check::empty:
        case name_check::too_long:
        case name_check::not_printable:
            r.fail(error_code::invalid_field,
                   "\"name\" must be 1-32 bytes after trimming spaces, with no control or invisible characters");
            break;
    }
    return r.take_error();
}

decode_result build_join(field_reader& r) {
    const std::string_view room = r.room();
    const auto since = r.optional_uint(key::since);
    if (r.failed()) return r.take_error();
    return request{.id = r.id(), .body = join_request{.room = std::string(room), .since = since}};
}

decode_result build_leave(field_reader& r, const limits& lim) {
    const std::string_view room = r.room();
    const auto forget = lim.product_requests ? r.optional_bool(key::forget) : std::nullopt;
    if (r.failed()) return r.take_error();
    return request{.id = r.id(), .body = leave_request{.room = std::string(room), .forget = forget.value_or(false)}};
}

decode_result build_send(field_reader& r, const limits& lim) {
    const std::string_view room = r.room();
    const std::string_view text = r.text(lim.max_text_bytes);
    const std::string_view client_id = r.client_id();
    if (r.failed()) return r.take_error();
    return request{.id = r.id(),
                   .body = send_request{.room = std::string(room),
                                        .text = std::string(text),
                                        .client_id = std::string(client_id)}};
}

decode_result build_history(field_reader& r) {
    const std::string_view room = r.room();
    const auto before = r.optional_uint(key::before);
    const auto limit = r.optional_uint(key::limit);
    if (r.failed()) return r.take_error();
    if (limit && (*limit < 1 || *limit > max_history_limit)) {
        r.fail(error_code::invalid_field, "\"limit\" must be 1..100");
        return r.take_error();
    }
    return request{.id = r.id(),
                   .body = history_request{.room = std::string(room),
                                           .before = before,
                                           .limit = limit ? static_cast<std::uint32_t>(*limit) : default_history_limit}};
}

decode_result build_typing(field_reader& r) {
    const std::string_view room = r.room();
    if (r.failed()) return r.take_error();
    return request{.id = r.id(), .body = typing_request{.room = std::string(room)}};
}

// Every request type: its wire name, how to read it, and whether it is one
// of the product requests that only limits::product_requests turns on.
struct request_type {
    std::string_view name;
    decode_result (*build)(field_reader&, const limits&);
    bool product = false;
};

template <member_action A>
decode_result member_change(field_reader& r, const limits&) {
    return detail::build_member_change(r, A);
}

template <event_kind K>
decode_result line_change(field_reader& r, const limits& lim) {
    return detail::build_line_change(r, lim, K);
}

constexpr request_type request_types[] = {
    {"identify", [](field_reader& r, const limits&) { return build_identify(r); }},
    {"join", [](field_reader& r, const limits&) { return build_join(r); }},
    {"leave", build_leave},
    {"send", build_send},
    {"history", [](field_reader& r, const limits&) { return build_history(r); }},
    {"typing", [](field_reader& r, const limits&) { return build_typing(r); }},
    {"ping", [](field_reader& r, const limits&) { return decode_result(request{.id = r.id(), .body = ping_request{}}); }},
    {"create_room", detail::build_create_room, true},
    {"open_direct", detail::build_open_direct, true},
    {"members", detail::build_members, true},
    {type_name(member_action::invite), member_change<member_action::invite>, true},
    {type_name(member_action::remove), member_change<member_action::remove>, true},
    {type_name(member_action::ban), member_change<member_action::ban>, true},
    {type_name(member_action::unban), member_change<member_action::unban>, true},
    {type_name(member_action::mute), member_change<member_action::mute>, true},
    {type_name(member_action::unmute), member_change<member_action::unmute>, true},
    {type_name(member_action::role), member_change<member_action::role>, true},
    {"set_topic", detail::build_set_topic, true},
    {type_name(event_kind::edit), line_change<event_kind::edit>, true},
    {type_name(event_kind::delete_line), line_change<event_kind::delete_line>, true},
    {type_name(event_kind::react), line_change<event_kind::react>, true},
    {type_name(event_kind::unreact), line_change<event_kind::unreact>, true},
    {"read", detail::build_read, true},
};

decode_result build(field_reader& r, const limits& lim) {
    r.read_id();
    const std::string_view type = r.required_string(key::type);
    if (r.failed()) return r.take_error();
    for (const request_type& t : request_types) {
        if (t.name == type && (!t.product || lim.product_requests)) return t.build(r, lim);
    }
    r.fail(error_code::unknown_type, "unknown \"type\"");
    return r.take_error();
}

}  // namespace

struct decoder::state {
    explicit state(limits l) : config(l) { reset_parser(); }

    // A fresh parser: small, and limited to our nesting depth.
    void reset_parser() {
        parser = simdjson::dom::parser{};
        if (parser.allocate(initial_capacity, max_nesting_depth) != simdjson::SUCCESS) throw std::bad_alloc();
    }

    // Copies the frame into a buffer with the padding simdjson reads past the
    // end, and returns the copy.
    std::span<char> copy_padded(std::string_view frame) {
        const std::size_t need = frame.size() + simdjson::SIMDJSON_PADDING;
        if (buffer.size() < need) buffer.resize(need);
        if (!frame.empty()) std::memcpy(buffer.data(), frame.data(), frame.size());
        std::memset(buffer.data() + frame.size(), 0, simdjson::SIMDJSON_PADDING);
        return {buffer.data(), frame.size()};
    }

    // After a big frame, give back what small frames do not need.
    void trim_memory() {
        if (parser.capacity() > config.retain_bytes) reset_parser();
        if (buffer.size() > config.retain_bytes + simdjson::SIMDJSON_PADDING) std::vector<char>().swap(buffer);
    }

    decode_result decode(std::string_view frame) {
        if (frame.size() > config.max_frame_bytes) {
            return frame_error(error_code::frame_too_large,
                               "the frame is over " + std::to_string(config.max_frame_bytes) + " bytes");
        }
        const std::span<char> json = copy_padded(frame);
        const bool marked = neutralize_lone_surrogates(json) > 0;

        simdjson::dom::element root;
        auto err = parser.parse(json.data(), json.size(), false).get(root);
        // An integer too big for 64 bits fails the whole parse; made a double
        // out of range, it fails only its field, and the reply keeps the id.
        if (err == simdjson::NUMBER_ERROR && neutralize_huge_integers(json) > 0)
            err = parser.parse(json.data(), json.size(), false).get(root);
        if (err == simdjson::MEMALLOC) throw std::bad_alloc();
        // WebSocket has validated text frames already; this is for transports that did not.
        if (err == simdjson::UTF8_ERROR) return frame_error(error_code::invalid_utf8, "the frame is not valid UTF-8");
        if (err == simdjson::DEPTH_ERROR) return frame_error(error_code::bad_json, "the frame is nested too deeply");
        if (err != simdjson::SUCCESS) return frame_error(error_code::bad_json, "the frame is not valid JSON");
        simdjson::dom::object obj;
        if (root.get_object().get(obj) != simdjson::SUCCESS) {
            return frame_error(error_code::bad_json, "a request must be a JSON object");
        }
        // Server-assigned room names come with the requests that make them:
        // until then a join of "!x" would create a public room of that name.
        field_reader reader(obj, marked, config.product_requests);
        return build(reader, config);
    }

    limits config;
    simdjson::dom::parser parser;
    std::vector<char> buffer;
};

decoder::decoder(limits l) : state_(std::make_unique<state>(l)) {}
decoder::~decoder() = default;
decoder::decoder(decoder&&) noexcept = default;
decoder& decoder::operator=(decoder&&) noexcept = default;

decode_result decoder::decode(std::string_view frame) {
    decode_result result = state_->decode(frame);
    // The result owns its strings, so the parser's memory may go now.
    state_->trim_memory();
    return result;
}

const limits& decoder::config() const noexcept { return state_->config; }

std::size_t decoder::capacity() const noexcept { return state_->parser.capacity(); }

}  // namespace chatd::protocol
