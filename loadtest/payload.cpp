#include "payload.hpp"

#include <charconv>

namespace chatd::load {

void stamp_payload(std::string& out, stamp s, std::size_t size) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, s.sent_us).ptr;
    out.assign(digits, end);
    out.append(s.measured ? " m " : " - ");
    if (out.size() < size) out.append(size - out.size(), 'x');
}

std::optional<stamp> read_stamp(std::string_view text) noexcept {
    std::uint64_t v = 0;
    const char* const last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(text.data(), last, v);
    if (ec != std::errc{} || last - end < 3 || end[0] != ' ' || end[2] != ' ' || (end[1] != 'm' && end[1] != '-'))
        return std::nullopt;
    return stamp{v, end[1] == 'm'};
}

}  // namespace chatd::load
