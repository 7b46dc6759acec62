#pragma once

#include "act/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace chatd::storage {

/// What kind of failure a storage call met, coarse enough for a caller to
/// decide: `busy` is worth retrying later, the others are not.
enum class error_code : std::uint8_t {
    busy,        ///< the database is locked by another connection (SQLITE_BUSY, SQLITE_LOCKED)
    io,          ///< disk or file failure (SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, ...)
    corrupt,     ///< the file is damaged or not a database (SQLITE_CORRUPT, SQLITE_NOTADB)
    constraint,  ///< a constraint refused a write (SQLITE_CONSTRAINT_*)
    misuse,      ///< the caller broke a documented precondition, e.g. a limit out of range
    other,       ///< anything else
};

constexpr std::string_view to_string(error_code c) noexcept {
    switch (c) {
    case error_code::busy: return "busy";
    case error_code::io: return "io";
    case error_code::corrupt: return "corrupt";
    case error_code::constraint: return "constraint";
    case error_code::misuse: return "misuse";
    case error_code::other: return "other";
    }
    return "unknown";
}

/// A storage failure. `sqlite_code` is SQLite's extended result code, or 0
/// when the failure was found by chatd itself (e.g. a precondition).
struct error {
    error_code code = error_code::other;
    int sqlite_code = 0;
    std::string message;
};

/// A value or a storage error: the actor core's result with storage's error.
/// result<void> is success with no value, or an error.
template <class T>
using result = act::result<T, error>;

}  // namespace chatd::storage
