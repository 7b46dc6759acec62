#pragma once

#include "protocol/limits.hpp"
#include "protocol/request_id.hpp"

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace chatd::protocol {

// What a client may ask, as the decoder hands it over: every field already
// checked against the protocol's rules (docs/protocol.md), so the server
// never re-validates wire syntax. Plain values that own their strings: safe
// to move into actor messages.

/// {"type":"identify","name":...} or {"type":"identify","token":...}.
/// Exactly one of name and token is non-empty.
struct identify_request {
    std::string name;   ///< a guest's requested name: trimmed, 1-32 bytes of printable UTF-8
    std::string token;  ///< a JWT, 1-8192 bytes of printable ASCII; not verified here
    bool guest() const noexcept { return token.empty(); }
};

/// {"type":"join","room":...,"since":...}
struct join_request {
    std::string room;                    ///< a valid room name (see is_valid_room_name)
    std::optional<std::uint64_t> since;  ///< last seq the client saw; set = replay what came after
};

/// {"type":"leave","room":...}
struct leave_request {
    std::string room;
};

/// {"type":"send","room":...,"text":...,"client_id":...}
struct send_request {
    std::string room;
    std::string text;       ///< 1..max_text_bytes bytes of valid UTF-8, as sent (not trimmed)
    std::string client_id;  ///< 1-64 bytes of [A-Za-z0-9_.:-]; the client's dedupe key
};

/// {"type":"history","room":...,"before":...,"limit":...}
struct history_request {
    std::string room;
    std::optional<std::uint64_t> before;          ///< only seq < before; unset = the newest
    std::uint32_t limit = default_history_limit;  ///< 1..max_history_limit
};

/// {"type":"typing","room":...}
struct typing_request {
    std::string room;
};

/// {"type":"ping"}
struct ping_request {};

using request_body = std::variant<identify_request, join_request, leave_request, send_request, history_request,
                                  typing_request, ping_request>;

/// One decoded request: its id and what it asks.
struct request {
    request_id id;
    request_body body;
};

/// The wire "type" of a request body, for logs and metrics. Pure; any thread.
constexpr std::string_view type_name(const request_body& body) noexcept {
    constexpr std::string_view names[] = {"identify", "join", "leave", "send", "history", "typing", "ping"};
    static_assert(std::size(names) == std::variant_size_v<request_body>);
    return names[body.index()];
}

}  // namespace chatd::protocol
