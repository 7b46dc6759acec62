#pragma once

#include "protocol/decode_result.hpp"
#include "protocol/limits.hpp"

#include <cstddef>
#include <memory>
#include <string_view>

namespace chatd::protocol {

/// Turns one WebSocket text frame into a request, or into a decode_error with
/// a stable code (docs/protocol.md lists which input gives which code).
/// One per connection, owned by its session actor: it keeps a simdjson parser
/// and a padded copy buffer between frames, so it is not thread-safe. It
/// holds no socket and sends nothing.
class decoder {
public:
    explicit decoder(limits l = {});
    ~decoder();
    decoder(decoder&&) noexcept;
    decoder& operator=(decoder&&) noexcept;
    decoder(const decoder&) = delete;
    decoder& operator=(const decoder&) = delete;

    /// Owner only. Any bytes at all yield a request or an error; nothing is
    /// thrown but std::bad_alloc. `frame` needs no padding or terminator (it is
    /// copied) and is not referenced after the call. A moved-from decoder may
    /// only be assigned or destroyed.
    [[nodiscard]] decode_result decode(std::string_view frame);

    /// The limits it was built with.
    const limits& config() const noexcept;

    /// Owner only. The largest frame it can parse now without allocating: at
    /// most config().retain_bytes between calls (see limits::retain_bytes).
    std::size_t capacity() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace chatd::protocol
