#include "protocol/validate.hpp"

#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace chatd::protocol {

namespace {

bool is_alnum(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Characters a reader cannot see, or that change how the text around them is
// laid out; in a name they allow impersonation ("admin" + U+200B).
bool is_forbidden_in_name(char32_t cp) noexcept {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)  // C0, DEL, C1
           || cp == 0x00AD                           // soft hyphen
           || (cp >= 0x200B && cp <= 0x200F)         // zero-width, LRM, RLM
           || (cp >= 0x2028 && cp <= 0x202E)         // line/paragraph separators, bidi embeddings
           || (cp >= 0x2060 && cp <= 0x206F)         // word joiner, invisible operators, bidi isolates
           || cp == 0xFEFF                           // BOM / zero-width no-break space
           || (cp >= 0xFFF9 && cp <= 0xFFFB)         // interlinear annotations
           || cp == 0xFFFE || cp == 0xFFFF;          // noncharacters
}

bool is_control(char32_t cp) noexcept {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

// Unicode's White_Space property, less what is_control already covers.
bool is_space(char32_t cp) noexcept {
    return cp == 0x20 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

bool is_bidi_control(char32_t cp) noexcept {
    return cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// True when `s` is well-formed UTF-8 with no code point `bad` refuses.
template <class Pred>
bool utf8_without(std::string_view s, Pred bad) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t cp = 0;
        const std::size_t n = decode_utf8(s, i, cp);
        if (n == 0 || bad(cp)) return false;
        i += n;
    }
    return true;
}

}  // namespace

bool is_valid_room_name(std::string_view room) noexcept {
    return is_public_room_name(room) || is_server_room_name(room);
}

bool is_public_room_name(std::string_view room) noexcept {
    if (room.empty() || room.size() > max_room_bytes || room.front() == '.') return false;
    for (const char c : room) {
        if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
    }
    return true;
}

bool is_server_room_name(std::string_view room) noexcept {
    if (room.size() < 2 || room.size() > max_room_bytes + 1 || room.front() != '!') return false;
    for (const char c : room.substr(1)) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    }
    return true;
}

bool is_valid_user_id(std::string_view user) noexcept {
    if (user.starts_with(guest_prefix)) user.remove_prefix(guest_prefix.size());
    return trim_spaces(user) == user && check_user_name(user) == name_check::ok;
}

bool is_valid_topic(std::string_view topic) noexcept {
    return topic.size() <= max_topic_bytes && utf8_without(topic, is_control);
}

bool is_valid_emoji(std::string_view emoji) noexcept {
    return !emoji.empty() && emoji.size() <= max_emoji_bytes &&
           utf8_without(emoji, [](char32_t cp) { return is_control(cp) || is_space(cp) || is_bidi_control(cp); });
}

bool is_storable(std::string_view s) noexcept { return s.find('\0') == std::string_view::npos; }

bool is_valid_client_id(std::string_view client_id) noexcept {
    if (client_id.empty() || client_id.size() > max_client_id_bytes) return false;
    for (const char c : client_id) {
        if (!is_alnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
    }
    return true;
}

bool is_valid_token(std::string_view token) noexcept {
    if (token.empty() || token.size() > max_token_bytes) return false;
    for (const char c : token) {
        if (c < 0x21 || c > 0x7E) return false;
    }
    return true;
}

std::string_view trim_spaces(std::string_view s) noexcept {
    const auto first = s.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(' ');
    return s.substr(first, last - first + 1);
}

name_check check_user_name(std::string_view trimmed) noexcept {
    if (trimmed.empty()) return name_check::empty;
    if (trimmed.size() > max_name_bytes) return name_check::too_long;
    std::size_t i = 0;
    while (i < trimmed.size()) {
        char32_t cp = 0;
        const std::size_t n = decode_utf8(trimmed, i, cp);
        if (n == 0) return name_check::invalid_utf8;
        if (is_forbidden_in_name(cp)) return name_check::not_printable;
        i += n;
    }
    return name_check::ok;
}

}  // namespace chatd::protocol
