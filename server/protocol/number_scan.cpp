#include "protocol/number_scan.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace chatd::protocol {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// True when the digits (no sign, no leading zero) name a magnitude above
// `max`, itself written without leading zeros.
bool above(std::string_view digits, std::string_view max) noexcept {
    if (digits.size() != max.size()) return digits.size() > max.size();
    return digits > max;  // equal lengths: text order is numeric order
}

// The replacement is "9e" + zeros + "300": the zeros make up the length,
// and a JSON exponent may have leading zeros.
constexpr std::size_t shortest_rewrite = 5;  // "9e300"

}  // namespace

std::size_t neutralize_huge_integers(std::span<char> json) noexcept {
    std::size_t rewritten = 0;
    std::size_t i = 0;
    const std::size_t n = json.size();
    while (i < n) {
        const char c = json[i];
        if (c == '"') {  // skip the string, escapes included
            for (++i; i < n && json[i] != '"'; ++i)
                if (json[i] == '\\') ++i;
            ++i;
            continue;
        }
        if (c != '-' && !is_digit(c)) {
            ++i;
            continue;
        }
        const bool negative = c == '-';
        const std::size_t start = negative ? i + 1 : i;
        std::size_t end = start;
        while (end < n && is_digit(json[end])) ++end;
        const bool fraction_or_exponent = end < n && (json[end] == '.' || json[end] == 'e' || json[end] == 'E');
        const std::string_view digits(json.data() + start, end - start);
        i = end;
        if (fraction_or_exponent) {  // a double: skip the rest of it
            while (i < n && (is_digit(json[i]) || std::strchr(".eE+-", json[i]) != nullptr)) ++i;
            continue;
        }
        if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) continue;  // not a JSON number
        const bool huge = negative ? above(digits, "9223372036854775808") : above(digits, "18446744073709551615");
        if (!huge || digits.size() < shortest_rewrite) continue;
        char* out = json.data() + start;
        std::fill(out, out + digits.size(), '0');
        out[0] = '9';
        out[1] = 'e';
        std::memcpy(out + digits.size() - 3, "300", 3);
        ++rewritten;
    }
    return rewritten;
}

}  // namespace chatd::protocol
