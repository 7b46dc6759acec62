#pragma once

#include "act/ask_state.hpp"
#include "act/cell.hpp"
#include "act/envelope.hpp"
#include "act/message_traits.hpp"

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace act {

/// A typed reference to an actor that handles Ms...: tell() and ask() accept
/// only those messages (anything else does not compile). Cheap to copy, and
/// thread-safe to use from anywhere; valid across restarts of the actor.
/// A ref converts to a ref of any subset of its messages.
template <class... Ms>
class ref {
public:
    ref() = default;
    /// Runtime use: wraps a cell known to handle Ms.
    explicit ref(intrusive_ptr<cell> c) noexcept : cell_(std::move(c)) {}

    /// Narrows a ref to fewer message types (e.g. a room ref given to a
    /// session that may only post), or reorders them.
    template <class... Ns>
        requires(!std::is_same_v<ref<Ns...>, ref<Ms...>> && (one_of<Ms, Ns...> && ...))
    ref(const ref<Ns...>& wider) noexcept : cell_(wider.raw()) {}  // NOLINT: implicit by design

    /// Fire-and-forget. Thread-safe. Never blocks.
    template <class M>
        requires one_of<M, Ms...>
    send_status tell(M&& m) const {
        using T = std::remove_cvref_t<M>;
        if (!cell_) return send_status::dead;
        return cell_->enqueue_user(new message_envelope<T>(T(std::forward<M>(m))));
    }

    /// Request and reply, from plain code: the result is the reply or an
    /// error (timeout, dead, shutdown, mailbox_full, handler_failed). Actors
    /// use actor_base::ask instead, which never blocks their thread.
    template <class M>
        requires(one_of<M, Ms...> && has_reply<M>)
    ask_future<reply_of_t<M>> ask(M m, duration timeout) const {
        using R = reply_of_t<M>;
        auto state = std::make_shared<future_state<R>>();
        send_request(std::shared_ptr<ask_state<R>>(state), std::move(m), timeout);
        return ask_future<R>(std::move(state), cell_ ? &cell_->exec() : nullptr);
    }

    /// Runtime use: sends an ask whose outcome goes to `state`.
    template <class M>
        requires(one_of<M, Ms...> && has_reply<M>)
    void send_request(const std::shared_ptr<ask_state<reply_of_t<M>>>& state, M m,
                      duration timeout) const {
        if (!cell_) {
            state->complete(errc::dead);
            return;
        }
        ask_state<reply_of_t<M>>::arm_timeout(state, cell_->exec(), timeout);
        cell_->enqueue_user(new message_envelope<M>(std::move(m), state));
    }

    bool valid() const noexcept { return static_cast<bool>(cell_); }
    explicit operator bool() const noexcept { return valid(); }
    /// A process-unique id, stable across restarts. 0 for an empty ref.
    std::uint64_t id() const noexcept { return cell_ ? cell_->id() : 0; }
    /// Thread-safe; true once the actor has terminated for good.
    bool terminated() const noexcept { return !cell_ || cell_->terminated(); }
    /// Runtime use.
    const intrusive_ptr<cell>& raw() const noexcept { return cell_; }

    friend bool operator==(const ref& a, const ref& b) noexcept { return a.cell_ == b.cell_; }

private:
    intrusive_ptr<cell> cell_;
};

}  // namespace act
