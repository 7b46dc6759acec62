#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <variant>

namespace act {

/// Why an ask (or a send) did not produce a reply.
enum class errc {
    timeout,          ///< no reply within the ask's timeout
    dead,             ///< the target was stopped, or stopped before handling it
    shutdown,         ///< the actor system shut down before the reply
    mailbox_full,     ///< the target's mailbox refused the request
    handler_failed,   ///< the target's handler threw while handling it
    unanswered,       ///< the target dropped the request's promise without replying
};

/// A stable, human-readable name for an error code.
constexpr std::string_view to_string(errc e) noexcept {
    switch (e) {
        case errc::timeout: return "timeout";
        case errc::dead: return "dead";
        case errc::shutdown: return "shutdown";
        case errc::mailbox_full: return "mailbox_full";
        case errc::handler_failed: return "handler_failed";
        case errc::unanswered: return "unanswered";
    }
    return "unknown";
}

namespace detail {
[[noreturn]] inline void bad_result_access(const char* what) noexcept {
    std::fprintf(stderr, "act::result: %s\n", what);
    std::abort();
}
}  // namespace detail

/// A value or an error: the one result type of the actor core and of every
/// layer of the server (storage::result, protocol::decode_result and the JWT
/// verifier's outcome are this template with their own error type). Like
/// C++23's std::expected. Reading the value of an error (or the error of a
/// value) is a bug and aborts, in every build. Standard library only, so
/// any layer may include it. Not thread-safe; a value type.
template <class T, class E = errc>
class [[nodiscard]] result {
public:
    result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
    result(E e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT: implicit by design

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        if (!has_value()) detail::bad_result_access("value() of an error result");
        return *std::get_if<0>(&v_);
    }
    const T& value() const& {
        if (!has_value()) detail::bad_result_access("value() of an error result");
        return *std::get_if<0>(&v_);
    }
    T&& value() && {
        if (!has_value()) detail::bad_result_access("value() of an error result");
        return std::move(*std::get_if<0>(&v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const& {
        if (has_value()) detail::bad_result_access("error() of a value result");
        return *std::get_if<1>(&v_);
    }
    E&& error() && {
        if (has_value()) detail::bad_result_access("error() of a value result");
        return std::move(*std::get_if<1>(&v_));
    }

private:
    std::variant<T, E> v_;
};

/// Success with no value, or an error.
template <class E>
class [[nodiscard]] result<void, E> {
public:
    result() = default;
    result(E e) : e_(std::move(e)), failed_(true) {}  // NOLINT: implicit by design

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return has_value(); }

    const E& error() const& {
        if (!failed_) detail::bad_result_access("error() of a value result");
        return e_;
    }
    E&& error() && {
        if (!failed_) detail::bad_result_access("error() of a value result");
        return std::move(e_);
    }

private:
    E e_{};
    bool failed_ = false;
};

}  // namespace act
