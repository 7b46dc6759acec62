#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

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

namespace detail {
[[noreturn]] inline void bad_result_access(const char* what) noexcept {
    std::fprintf(stderr, "chatd::storage::result: %s\n", what);
    std::abort();
}
}  // namespace detail

/// A value or an error, in the spirit of std::expected (C++23). Reading the
/// value of an error result (or the error of a value) is a bug: it aborts.
template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    result(storage::error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT: implicit by design

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        if (!has_value()) detail::bad_result_access("value() of an error result");
        return std::get<0>(v_);
    }
    const T& value() const& {
        if (!has_value()) detail::bad_result_access("value() of an error result");
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!has_value()) detail::bad_result_access("value() of an error result");
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const storage::error& error() const& {
        if (has_value()) detail::bad_result_access("error() of a value result");
        return std::get<1>(v_);
    }
    storage::error&& error() && {
        if (has_value()) detail::bad_result_access("error() of a value result");
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, storage::error> v_;
};

/// Success with no value, or an error.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(storage::error e) : e_(std::move(e)), failed_(true) {}  // NOLINT: implicit by design

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return has_value(); }

    const storage::error& error() const& {
        if (!failed_) detail::bad_result_access("error() of a value result");
        return e_;
    }
    storage::error&& error() && {
        if (!failed_) detail::bad_result_access("error() of a value result");
        return std::move(e_);
    }

private:
    storage::error e_;
    bool failed_ = false;
};

}  // namespace chatd::storage
