#include "chat/mentions.hpp"

#include <algorithm>

namespace chatd::chat {

namespace {

bool is_word(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A UTF-8 continuation byte: a name never ends just before one.
bool continues_character(char c) noexcept { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Whether a name may end at `end`: the text ends, or what follows cannot
// go on a word ("@bob." and "@bob, hi" name bob; "@bobby" and "@bob.smith" do not).
bool ends_name(std::string_view text, std::size_t end) noexcept {
    if (end == text.size()) return true;
    const char c = text[end];
    if (is_word(c) || continues_character(c)) return false;
    if ((c == '.' || c == '-') && end + 1 < text.size() && is_word(text[end + 1])) return false;
    return true;
}

}  // namespace

std::vector<std::string> find_mentions(std::string_view text, std::string_view sender,
                                       const std::function<bool(const std::string&)>& is_user) {
    std::vector<std::string> found;
    std::size_t marks = 0;
    std::size_t at = text.find('@');
    while (at != std::string_view::npos && found.size() < max_mentions && marks < max_mention_marks) {
        std::size_t next = at + 1;
        if (at == 0 || !is_word(text[at - 1])) {
            ++marks;
            // The longest id that fits: try every end, from the farthest.
            const std::size_t first = at + 1;
            for (std::size_t end = std::min(text.size(), first + max_mention_bytes); end > first; --end) {
                if (!ends_name(text, end)) continue;
                std::string id(text.substr(first, end - first));
                if (!is_user(id)) continue;
                if (id != sender && std::find(found.begin(), found.end(), id) == found.end())
                    found.push_back(std::move(id));
                next = end;
                break;
            }
        }
        at = text.find('@', next);
    }
    return found;
}

}  // namespace chatd::chat
