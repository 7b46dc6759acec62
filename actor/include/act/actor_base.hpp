#pragma once

#include "act/cell.hpp"
#include "act/envelope.hpp"
#include "act/exit_reason.hpp"
#include "act/ref.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace act {

/// A monitored actor has terminated.
struct down_notice {
    std::uint64_t id;  ///< the ref id of the actor that terminated
    std::string name;  ///< its registered name, if any
    exit_reason reason;
};

/// The base of every actor instance. Its hooks and its protected members
/// are for the actor itself: call them only from its handlers and hooks
/// (its own turn), never from another thread.
class actor_base {
public:
    actor_base() = default;
    actor_base(const actor_base&) = delete;
    actor_base& operator=(const actor_base&) = delete;
    virtual ~actor_base() = default;

    /// After the instance is made, before its first message.
    virtual void on_start() {}
    /// When it stops for good, or before a restart replaces it.
    virtual void on_stop() {}
    /// On the fresh instance made by a restart, before on_start.
    virtual void on_restart(const failure& why) { (void)why; }
    /// A monitored actor terminated.
    virtual void on_down(const down_notice& d) { (void)d; }

protected:
    /// Terminates this actor (reason normal) once the current handler returns.
    void stop();

    /// Watches `other`: on_down is called when it terminates (at once if it
    /// already has).
    template <class... Ms>
    void monitor(const ref<Ms...>& other) {
        watch(other.raw(), false);
    }
    /// Links this actor and `other`: when either terminates abnormally, the
    /// other fails too (and its supervisor decides what follows).
    template <class... Ms>
    void link(const ref<Ms...>& other) {
        watch(other.raw(), true);
        if (other.raw()) cell_->add_watcher(other.raw(), true);
    }
    /// Stops watching (monitor) or removes a link, on both sides.
    template <class... Ms>
    void unwatch(const ref<Ms...>& other) {
        unwatch_cell(other.raw());
    }

    /// Asks `target` without blocking: `then(result<R>)` runs later in this
    /// actor's turn with the reply or the error (timeout, dead, ...). It is
    /// dropped if this actor restarts or stops first.
    template <class... Ts, class M, class F>
        requires(one_of<M, Ts...> && has_reply<M>)
    void ask(const ref<Ts...>& target, M msg, duration timeout, F then);

    /// Cancels a timer made by send_after / send_every.
    void cancel_timer(std::uint64_t id) { cell_->cancel_timer(id); }

    system& sys() const noexcept { return cell_->sys(); }
    time_point now() const { return cell_->exec().now(); }
    std::uint64_t id() const noexcept { return cell_->id(); }
    cell& self_cell() const noexcept { return *cell_; }

private:
    friend class cell;
    /// Dispatches a user message to its handler (implemented by actor<Ms...>).
    virtual void dispatch(envelope& e) = 0;
    void watch(const intrusive_ptr<cell>& other, bool link);
    void unwatch_cell(const intrusive_ptr<cell>& other);

    cell* cell_ = nullptr;
};

namespace detail {
/// Runs an ask's continuation in the asking actor's turn.
template <class R, class F>
class continuation final : public envelope {
public:
    continuation(std::uint32_t incarnation, F fn, result<R> r)
        : envelope(nullptr), incarnation_(incarnation), fn_(std::move(fn)), r_(std::move(r)) {}
    void run(cell& c) override {
        if (c.incarnation() == incarnation_) c.guarded([&] { fn_(std::move(r_)); });
    }

private:
    std::uint32_t incarnation_;
    F fn_;
    result<R> r_;
};

/// An ask made by an actor: the outcome becomes a continuation message in
/// the asker's mailbox, so it runs in the asker's turn.
template <class R, class F>
class continuation_state final : public ask_state<R> {
public:
    continuation_state(intrusive_ptr<cell> self, F fn)
        : self_(std::move(self)), incarnation_(self_->incarnation()), fn_(std::move(fn)) {}

private:
    void deliver(result<R> r) override {
        self_->enqueue_runtime(new continuation<R, F>(incarnation_, std::move(fn_), std::move(r)));
    }
    intrusive_ptr<cell> self_;
    std::uint32_t incarnation_;
    F fn_;
};
}  // namespace detail

template <class... Ts, class M, class F>
    requires(one_of<M, Ts...> && has_reply<M>)
void actor_base::ask(const ref<Ts...>& target, M msg, duration timeout, F then) {
    using R = reply_of_t<M>;
    static_assert(std::is_invocable_v<F&, result<R>>, "then must accept act::result<reply>");
    std::shared_ptr<ask_state<R>> state =
        std::make_shared<detail::continuation_state<R, F>>(intrusive_ptr<cell>(cell_), std::move(then));
    target.send_request(state, std::move(msg), timeout);
}

}  // namespace act
