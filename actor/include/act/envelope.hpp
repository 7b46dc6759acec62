#pragma once

#include "act/ask_state.hpp"
#include "act/envelope_pool.hpp"
#include "act/message_traits.hpp"
#include "act/mpsc_queue.hpp"
#include "act/result.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace act {

class cell;

/// A queued message. User messages carry a type tag and are dispatched to
/// the actor's handler; runtime messages (tag == nullptr) run themselves.
/// Owned by whoever holds it: the mailbox, then the running turn.
class envelope : public mpsc_node {
public:
    explicit envelope(const void* tag) noexcept : tag_(tag) {}
    envelope(const envelope&) = delete;
    envelope& operator=(const envelope&) = delete;
    virtual ~envelope() = default;

    const void* tag() const noexcept { return tag_; }

    // Envelopes come from a per-thread pool (see envelope_pool.hpp). The
    // deleting destructor passes the dynamic type's size, so delete finds
    // the right size class.
    static void* operator new(std::size_t bytes) { return detail::envelope_allocate(bytes); }
    static void operator delete(void* p, std::size_t bytes) noexcept { detail::envelope_deallocate(p, bytes); }
    static void* operator new(std::size_t bytes, std::align_val_t al) { return ::operator new(bytes, al); }
    static void operator delete(void* p, std::size_t bytes, std::align_val_t al) noexcept {
        ::operator delete(p, bytes, al);
    }

    /// Runtime messages: acts in the owning cell's turn.
    virtual void run(cell&) {}
    /// The message will never be handled (dead target, overflow, failure,
    /// shutdown): fails a waiting ask, or does a runtime message's duty for
    /// a dead cell (e.g. answers a watch request with a "down").
    virtual void reject(cell&, errc) noexcept {}

private:
    const void* tag_;
};

/// A user message of type M, with the ask waiting on it, if any.
template <class M>
class message_envelope final : public envelope {
public:
    using reply_type = reply_of_t<M>;
    struct no_reply {};
    using reply_sink = std::conditional_t<has_reply<M>, std::shared_ptr<ask_state<reply_type>>, no_reply>;

    explicit message_envelope(M m, reply_sink sink = {})
        : envelope(type_tag<M>()), msg(std::move(m)), reply_(std::move(sink)) {}

    ~message_envelope() override {
        // An ask whose message was destroyed unanswered learns so at once.
        if constexpr (has_reply<M>) {
            if (reply_) reply_->complete(errc::dead);
        }
    }

    void reject(cell&, errc why) noexcept override {
        if constexpr (has_reply<M>) {
            if (reply_) reply_->complete(why);
        }
    }

    /// Hands the right to answer to a replies_later handler.
    promise<reply_type> take_promise() noexcept
        requires has_reply<M>
    {
        return promise<reply_type>(std::move(reply_));
    }

    /// Sends the handler's answer to the asker (no-op for a tell).
    template <class R>
    void reply(R&& r) {
        if constexpr (has_reply<M>) {
            if (reply_) reply_->complete(result<reply_type>(std::forward<R>(r)));
        }
    }

    const M msg;

private:
    [[no_unique_address]] reply_sink reply_;
};

}  // namespace act
