#pragma once

#include "act/actor_base.hpp"
#include "act/message_traits.hpp"
#include "act/ref.hpp"

#include <cstdint>
#include <utility>

namespace act {

namespace detail {

// An actor's handlers are a chain of single inheritance, one link per
// message type, from actor_base up: so all of them share actor_base's one
// vtable pointer. (A base class per message type costs a vtable pointer
// each: 8 B per type in every session and room, held by the ten thousand.)

/// The root of the chain: a `handle` that no message reaches, so that each
/// link can bring its base's handlers in with `using`.
class handler_root : public actor_base {
protected:
    struct no_message {};
    void handle(no_message) {}
};

/// One message type's handler: `R handle(const M&)` where R is M's declared
/// reply type (void for tell-only messages), or `void handle(const M&,
/// promise<R>)` for a message that replies_later.
template <class Base, class M, bool later = replies_later<M>>
class handler_link : public Base {
public:
    using Base::handle;
    virtual reply_of_t<M> handle(const M& m) = 0;
};

template <class Base, class M>
class handler_link<Base, M, true> : public Base {
public:
    using Base::handle;
    virtual void handle(const M& m, promise<reply_of_t<M>> reply) = 0;
};

template <class... Ms>
struct handler_chain {
    using type = handler_root;
};

template <class M, class... Rest>
struct handler_chain<M, Rest...> {
    using type = handler_link<typename handler_chain<Rest...>::type, M>;
};

}  // namespace detail

/// Base class of user actors that handle Ms...:
///
///     struct counter : act::actor<increment, get_count> {
///         void handle(const increment&) override;
///         std::int64_t handle(const get_count&) override;
///     };
///
/// A missing handler is a compile error (the class stays abstract), and the
/// ref this actor gets, ref<Ms...>, accepts exactly these messages.
template <class... Ms>
class actor : public detail::handler_chain<Ms...>::type {
public:
    using ref_type = ref<Ms...>;
    using detail::handler_chain<Ms...>::type::handle;

    /// The message types this actor handles, for typed registry lookups.
    static handled_types types() noexcept {
        static constexpr const void* tags[sizeof...(Ms) + 1] = {type_tag<Ms>()..., nullptr};
        return {tags};
    }

protected:
    /// A ref to this actor. Own turn only.
    ref_type self() const { return ref_type(intrusive_ptr<cell>(&this->self_cell())); }

    /// Handles `m` after `d`, in this actor's turn; returns a timer id for
    /// cancel_timer. Cancelled when the actor restarts or stops.
    template <class M>
        requires one_of<M, Ms...>
    std::uint64_t send_after(duration d, M m) {
        return this->self_cell().add_timer(d, false, [this, m = std::move(m)] { handle_now(m); });
    }
    /// Handles a copy of `m` every `period` until cancelled.
    template <class M>
        requires one_of<M, Ms...>
    std::uint64_t send_every(duration period, M m) {
        return this->self_cell().add_timer(period, true, [this, m = std::move(m)] { handle_now(m); });
    }

private:
    template <class M>
    void handle_now(const M& m) {
        if constexpr (replies_later<M>)
            this->handle(m, promise<reply_of_t<M>>());
        else
            this->handle(m);
    }

    void dispatch(envelope& e) final {
        const void* t = e.tag();
        (void)((t == type_tag<Ms>() && (invoke_handler<Ms>(e), true)) || ...);
    }

    template <class M>
    void invoke_handler(envelope& e) {
        auto& me = static_cast<message_envelope<M>&>(e);
        if constexpr (replies_later<M>) {
            this->handle(me.msg, me.take_promise());
        } else if constexpr (has_reply<M>) {
            me.reply(this->handle(me.msg));
        } else {
            this->handle(me.msg);
        }
    }
};

}  // namespace act
