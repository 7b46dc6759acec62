#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace chatd::protocol {

// JSON strings can spell UTF-16 surrogates as escapes ("\ud800"); one
// without its partner encodes no character, so it cannot become valid UTF-8.
// simdjson rejects such a document outright, which would make it bad_json
// and lose its id. The decoder instead neutralises those escapes before
// parsing and reports invalid_utf8 for any field that held one.

/// What a neutralised escape decodes to: U+FFFF, a noncharacter reserved for
/// exactly this kind of internal use.
inline constexpr std::string_view lone_surrogate_marker = "\xEF\xBF\xBF";

/// Rewrites in place every "\uXXXX" escape in `json` that is a surrogate
/// without its partner (a high one not followed by an escaped low one, or a
/// low one on its own) as "\uffff", the same length, and returns how many it
/// rewrote. Backslashes occur only inside strings in valid JSON, so walking
/// escapes from the start stays in step with the strings; in invalid JSON the
/// rewrite is harmless, as the parse fails anyway.
/// Pure; any thread.
std::size_t neutralize_lone_surrogates(std::span<char> json) noexcept;

}  // namespace chatd::protocol
