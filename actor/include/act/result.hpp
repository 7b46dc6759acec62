#pragma once

#include <cassert>
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

/// Either a value or an errc: the outcome of an ask. Like std::expected.
template <class T>
class result {
public:
    result(T v) : v_(std::in_place_index<0>, std::move(v)) {}  // NOLINT: implicit by design
    result(errc e) : v_(std::in_place_index<1>, e) {}          // NOLINT: implicit by design

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    T& value() & {
        assert(has_value());
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(has_value());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(v_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    errc error() const noexcept {
        assert(!has_value());
        return std::get<1>(v_);
    }

private:
    std::variant<T, errc> v_;
};

}  // namespace act
