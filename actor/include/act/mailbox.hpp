#pragma once

#include "act/envelope.hpp"
#include "act/mpsc_queue.hpp"

#include <atomic>
#include <cstddef>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace act {

/// What a bounded mailbox does with a user message that finds it full.
enum class overflow_policy : std::uint8_t {
    report_full,  ///< refuse it; tell() returns send_status::full, an ask fails with mailbox_full
    drop_newest,  ///< discard it silently (counted as dropped)
    drop_oldest,  ///< take it; the oldest queued messages are discarded before the next turn
    fail_actor,   ///< refuse it and fail the actor, for its supervisor to handle
};

struct mailbox_options {
    std::size_t capacity = 4096;  ///< user messages; system messages never count
    overflow_policy policy = overflow_policy::report_full;
};

/// The outcome of a send, as the sender sees it.
enum class send_status : std::uint8_t {
    ok,       ///< queued
    full,     ///< refused: mailbox full (report_full)
    dropped,  ///< discarded: mailbox full (drop_newest, fail_actor, or drop_oldest at twice capacity)
    dead,     ///< the target has terminated (counted as a dead letter)
};

/// Two lanes. System messages (stop, supervision, watch) are taken first and
/// never refused. The user lane holds user messages, bounded by the overflow
/// policy, and runtime messages the actor caused itself (timer ticks, ask
/// continuations, down notices): those keep their place in order but never
/// count against the bound and are never refused or discarded; they are
/// bounded by the actor's own timers, asks and watches. Pushing is
/// thread-safe and lock-free; popping belongs to the owning cell's turn.
class mailbox {
public:
    explicit mailbox(mailbox_options o) noexcept {
        user_.middle().capacity = o.capacity;
        user_.middle().policy = o.policy;
    }

    /// Thread-safe. On anything but ok the envelope was NOT taken.
    send_status push_user(envelope* e) noexcept {
        auto& m = user_.middle();
        const std::size_t before = m.depth.fetch_add(1, std::memory_order_relaxed);
        if (before >= m.capacity) {
            const bool keep = m.policy == overflow_policy::drop_oldest && before < 2 * m.capacity;
            if (!keep) {
                m.depth.fetch_sub(1, std::memory_order_relaxed);
                if (m.policy == overflow_policy::report_full) return send_status::full;
                if (m.policy == overflow_policy::fail_actor) m.overflowed.store(true, std::memory_order_relaxed);
                return send_status::dropped;
            }
        }
        user_.push(e);
        return send_status::ok;
    }

    /// Thread-safe. A runtime message (tag() == nullptr): queued in order,
    /// outside the bound.
    void push_runtime(envelope* e) noexcept { user_.push(e); }

    /// Thread-safe.
    void push_system(envelope* e) noexcept { user_.middle().system.push(e); }

    /// Owner only.
    envelope* pop_system() noexcept { return static_cast<envelope*>(user_.middle().system.pop()); }


    /// Owner only. The slot is given back to senders by the next flush(),
    /// so a turn touches the shared counter once, not once per message.
    envelope* pop_user() noexcept {
        auto* e = static_cast<envelope*>(user_.pop());
        if (e != nullptr && e->tag() != nullptr) ++taken_;
        return e;
    }

    /// Owner only: frees the slots of the messages popped since the last flush.
    void flush() noexcept {
        if (taken_ != 0) user_.middle().depth.fetch_sub(std::exchange(taken_, 0), std::memory_order_relaxed);
    }

    /// Owner only: the oldest entry while over capacity (drop_oldest), else
    /// nullptr. A runtime entry is to be handled, not discarded.
    envelope* pop_excess() noexcept {
        flush();
        const auto& m = user_.middle();
        if (m.policy != overflow_policy::drop_oldest || m.depth.load(std::memory_order_relaxed) <= m.capacity)
            return nullptr;
        return pop_user();
    }

    /// Owner only: true once after a fail_actor overflow.
    bool take_overflow() noexcept {
        auto& o = user_.middle().overflowed;
        return o.load(std::memory_order_relaxed) && o.exchange(false, std::memory_order_relaxed);
    }

    bool has_system() const noexcept { return !user_.middle().system.empty(); }
    bool has_user() const noexcept { return !user_.empty(); }
    /// Thread-safe: a fail_actor overflow waits to be taken.
    bool overflowed() const noexcept { return user_.middle().overflowed.load(std::memory_order_relaxed); }

    /// Thread-safe: queued user messages (approximate while senders race).
    std::size_t depth() const noexcept { return user_.middle().depth.load(std::memory_order_relaxed); }
    /// Owner only: user messages queued and not yet taken (the one being
    /// handled not counted). A sender racing with this call may be counted
    /// before its message can be popped.
    std::size_t waiting() const noexcept { return depth() - taken_; }
    std::size_t capacity() const noexcept { return user_.middle().capacity; }
    overflow_policy policy() const noexcept { return user_.middle().policy; }

private:
    // Between the user lane's producer end and its consumer end: what the
    // producers touch (depth) first, then what is rarely written, so the two
    // ends sit at least 64 bytes apart (see basic_mpsc_queue).
    struct between {
        std::atomic<std::size_t> depth{0};
        mpsc_queue system;
        std::size_t capacity = 0;
        overflow_policy policy = overflow_policy::report_full;
        std::atomic<bool> overflowed{false};
        std::byte spacer[8]{};  // completes the 64-byte gap with the fields above
    };
    basic_mpsc_queue<between> user_;
    std::size_t taken_ = 0;  // popped but not yet flushed (owner only)
};

}  // namespace act
