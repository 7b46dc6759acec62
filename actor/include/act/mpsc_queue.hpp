#pragma once

#include <atomic>

namespace act {

/// A link in an mpsc_queue.
struct mpsc_node {
    std::atomic<mpsc_node*> next{nullptr};
};

struct no_middle {};

/// Intrusive multi-producer single-consumer queue (Vyukov's design): a push
/// is one atomic exchange and never waits for the consumer or other producers.
/// push() is thread-safe; pop() and empty() only from the single consumer.
///
/// `Middle` is stored between the producers' end (head) and the consumer's
/// (tail): a hot queue puts at least 56 bytes there (other fields of its
/// owner, not padding), so the two ends never share a cache line and
/// producers and consumer stop stealing it from each other per message.
template <class Middle = no_middle>
class basic_mpsc_queue {
public:
    basic_mpsc_queue() noexcept : head_(&stub_), tail_(&stub_) {}
    basic_mpsc_queue(const basic_mpsc_queue&) = delete;
    basic_mpsc_queue& operator=(const basic_mpsc_queue&) = delete;

    Middle& middle() noexcept { return middle_; }
    const Middle& middle() const noexcept { return middle_; }

    void push(mpsc_node* n) noexcept {
        n->next.store(nullptr, std::memory_order_relaxed);
        mpsc_node* prev = head_.exchange(n, std::memory_order_seq_cst);
        prev->next.store(n, std::memory_order_release);
    }

    /// The oldest node, or nullptr when empty or when a producer is between
    /// its two steps (the caller sees that as "try again": not empty()).
    mpsc_node* pop() noexcept {
        mpsc_node* tail = tail_.load(std::memory_order_relaxed);
        mpsc_node* next = tail->next.load(std::memory_order_acquire);
        if (tail == &stub_) {
            if (next == nullptr) return nullptr;
            tail_.store(next, std::memory_order_relaxed);
            tail = next;
            next = next->next.load(std::memory_order_acquire);
        }
        if (next != nullptr) {
            tail_.store(next, std::memory_order_relaxed);
            return tail;
        }
        if (tail != head_.load(std::memory_order_acquire)) return nullptr;
        push(&stub_);
        next = tail->next.load(std::memory_order_acquire);
        if (next != nullptr) {
            tail_.store(next, std::memory_order_relaxed);
            return tail;
        }
        return nullptr;
    }

    /// True when nothing was pushed that was not popped. Exact for the
    /// consumer; from other threads a hint (it may be stale by return).
    bool empty() const noexcept {
        return tail_.load(std::memory_order_seq_cst) == &stub_ && head_.load(std::memory_order_seq_cst) == &stub_;
    }

private:
    std::atomic<mpsc_node*> head_;
    [[no_unique_address]] Middle middle_;
    std::atomic<mpsc_node*> tail_;  // written by the consumer only; atomic so others may peek
    mpsc_node stub_;
};

using mpsc_queue = basic_mpsc_queue<>;

}  // namespace act
