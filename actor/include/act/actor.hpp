#pragma once

#include "act/actor_base.hpp"
#include "act/message_traits.hpp"
#include "act/ref.hpp"

#include <cstdint>
#include <utility>

namespace act {

/// One handler per message type: `R handle(const M&)` where R is M's
/// declared reply type (void for tell-only messages), or
/// `void handle(const M&, promise<R>)` for a message that replies_later.
template <class M>
class handler {
public:
    virtual reply_of_t<M> handle(const M& m) = 0;

protected:
    ~handler() = default;
};

template <class M>
    requires replies_later<M>
class handler<M> {
public:
    virtual void handle(const M& m, promise<reply_of_t<M>> reply) = 0;

protected:
    ~handler() = default;
};

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
class actor : public actor_base, public handler<Ms>... {
public:
    using ref_type = ref<Ms...>;
    using handler<Ms>::handle...;

    /// The message types this actor handles, for typed registry lookups.
    static handled_types types() noexcept {
        static constexpr const void* tags[sizeof...(Ms) + 1] = {type_tag<Ms>()..., nullptr};
        return {tags};
    }

protected:
    /// A ref to this actor. Own turn only.
    ref_type self() const { return ref_type(intrusive_ptr<cell>(&self_cell())); }

    /// Handles `m` after `d`, in this actor's turn; returns a timer id for
    /// cancel_timer. Cancelled when the actor restarts or stops.
    template <class M>
        requires one_of<M, Ms...>
    std::uint64_t send_after(duration d, M m) {
        return self_cell().add_timer(d, false, [this, m = std::move(m)] { handle_now(m); });
    }
    /// Handles a copy of `m` every `period` until cancelled.
    template <class M>
        requires one_of<M, Ms...>
    std::uint64_t send_every(duration period, M m) {
        return self_cell().add_timer(period, true, [this, m = std::move(m)] { handle_now(m); });
    }

private:
    template <class M>
    void handle_now(const M& m) {
        if constexpr (replies_later<M>)
            static_cast<handler<M>&>(*this).handle(m, promise<reply_of_t<M>>());
        else
            static_cast<handler<M>&>(*this).handle(m);
    }

    void dispatch(envelope& e) final {
        const void* t = e.tag();
        (void)((t == type_tag<Ms>() && (invoke_handler<Ms>(e), true)) || ...);
    }

    template <class M>
    void invoke_handler(envelope& e) {
        auto& me = static_cast<message_envelope<M>&>(e);
        handler<M>& h = *this;
        if constexpr (replies_later<M>) {
            h.handle(me.msg, me.take_promise());
        } else if constexpr (has_reply<M>) {
            me.reply(h.handle(me.msg));
        } else {
            h.handle(me.msg);
        }
    }
};

}  // namespace act
