#pragma once

#include <cstddef>
#include <span>

namespace chatd::protocol {

// simdjson refuses a whole document holding an integer literal that does not
// fit in 64 bits (2^64, or a hundred digits): that would make the request
// bad_json and lose its id, where the same field holding 1e30 or -1 is
// invalid_field with the id. The decoder instead rewrites such literals, when
// a parse has failed on a number, as a double far out of every range, and
// parses again; the field that held it is then invalid_field like any other
// number out of range.

/// Rewrites in place every integer literal outside strings in `json` that
/// fits neither int64 nor uint64 as "9e00...0300" (9e300, sign kept), the same
/// length, and returns how many it rewrote. Strings are skipped by their
/// quotes and escapes; in invalid JSON the rewrite is harmless, as the parse
/// fails anyway. Pure; any thread.
std::size_t neutralize_huge_integers(std::span<char> json) noexcept;

}  // namespace chatd::protocol
