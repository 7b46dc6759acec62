#pragma once

#include <type_traits>

namespace act {

/// A unique address per message type, to tell envelopes apart without RTTI.
template <class M>
inline constexpr char type_tag_v = 0;

template <class M>
constexpr const void* type_tag() noexcept {
    return &type_tag_v<std::remove_cvref_t<M>>;
}

namespace detail {
template <class M, class = void>
struct reply_of {
    using type = void;
};
template <class M>
struct reply_of<M, std::void_t<typename M::reply>> {
    using type = typename M::reply;
};
}  // namespace detail

/// The reply type a message declares with `using reply = R;`, or void.
/// Only messages with a reply can be asked.
template <class M>
using reply_of_t = typename detail::reply_of<std::remove_cvref_t<M>>::type;

template <class M>
concept has_reply = !std::is_void_v<reply_of_t<M>>;

/// A message that declares `static constexpr bool replies_later = true;`
/// is handled by `void handle(const M&, promise<reply>)`: the handler may
/// reply after asking others, from a later turn.
template <class M>
concept replies_later = has_reply<M> && requires { requires std::remove_cvref_t<M>::replies_later; };

/// True when M is one of Ms.
template <class M, class... Ms>
concept one_of = (std::is_same_v<std::remove_cvref_t<M>, Ms> || ...);

}  // namespace act
