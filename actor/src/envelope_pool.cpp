#include "act/envelope_pool.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

// AddressSanitizer must see every envelope's own allocation to catch a use
// after free, so the pool steps aside in that build.
#if defined(__SANITIZE_ADDRESS__)
#define ACT_ENVELOPE_POOL 0
#else
#define ACT_ENVELOPE_POOL 1
#endif

namespace act::detail {

#if ACT_ENVELOPE_POOL
namespace {

constexpr std::size_t k_slab_bytes = 64 * 1024;  // blocks find their slab by masking
constexpr std::size_t k_class_bytes[] = {64, 128, 256};
constexpr std::size_t k_classes = std::size(k_class_bytes);

int class_of(std::size_t bytes) noexcept {
    for (std::size_t i = 0; i < k_classes; ++i)
        if (bytes <= k_class_bytes[i]) return static_cast<int>(i);
    return -1;
}

struct free_block {
    free_block* next;
};

class cache;

/// At the start of each slab: who owns its blocks.
struct alignas(64) slab_header {
    cache* owner;
};

class cache {
public:
    void* allocate(int cls) {
        free_block* b = local_[cls];
        if (b == nullptr) b = remote_[cls].exchange(nullptr, std::memory_order_acquire);
        if (b == nullptr) b = carve(cls);
        local_[cls] = b->next;
        return b;
    }

    void free_local(int cls, void* p) noexcept {
        auto* b = static_cast<free_block*>(p);
        b->next = local_[cls];
        local_[cls] = b;
    }

    /// From any thread: hands a block back to this cache.
    void free_remote(int cls, void* p) noexcept {
        auto* b = static_cast<free_block*>(p);
        free_block* head = remote_[cls].load(std::memory_order_relaxed);
        do {
            b->next = head;
        } while (!remote_[cls].compare_exchange_weak(head, b, std::memory_order_release, std::memory_order_relaxed));
    }

private:
    free_block* carve(int cls) {
        void* mem = std::aligned_alloc(k_slab_bytes, k_slab_bytes);
        if (mem == nullptr) throw std::bad_alloc();
        auto* slab = new (mem) slab_header{this};
        const std::size_t size = k_class_bytes[cls];
        auto* first = reinterpret_cast<std::byte*>(slab) + sizeof(slab_header);
        auto* end = reinterpret_cast<std::byte*>(slab) + k_slab_bytes;
        free_block* list = nullptr;
        for (std::byte* p = end - size; p >= first; p -= size) {
            auto* b = reinterpret_cast<free_block*>(p);
            b->next = list;
            list = b;
        }
        slabs_.push_back(slab);  // kept for the life of the process (reachable: no leak report)
        return list;
    }

    free_block* local_[k_classes] = {};
    std::atomic<free_block*> remote_[k_classes] = {};
    std::vector<slab_header*> slabs_;
};

/// Caches of threads that have ended, for new threads to adopt: memory is
/// reused, never lost. Immortal, so it outlives every thread's exit.
struct orphanage {
    std::mutex mutex;
    std::vector<cache*> caches;
    cache fallback;  // for a thread whose own cache is already gone (guarded by mutex)
};
orphanage& orphans() {
    static auto* o = new orphanage;
    return *o;
}

struct thread_cache {
    cache* mine = nullptr;
    bool ended = false;
    ~thread_cache() {
        ended = true;
        if (mine == nullptr) return;
        std::lock_guard lock(orphans().mutex);
        orphans().caches.push_back(mine);
    }
    cache* get() {
        if (mine == nullptr && !ended) {
            std::lock_guard lock(orphans().mutex);
            auto& list = orphans().caches;
            if (!list.empty()) {
                mine = list.back();
                list.pop_back();
            } else {
                mine = new cache;
            }
        }
        return mine;
    }
};
thread_local thread_cache this_thread;

cache* owner_of(void* p) noexcept {
    const auto addr = reinterpret_cast<std::uintptr_t>(p) & ~(std::uintptr_t{k_slab_bytes} - 1);
    return reinterpret_cast<slab_header*>(addr)->owner;
}

}  // namespace

void* envelope_allocate(std::size_t bytes) {
    const int cls = class_of(bytes);
    if (cls < 0) return ::operator new(bytes);
    if (cache* c = this_thread.get()) return c->allocate(cls);
    std::lock_guard lock(orphans().mutex);
    return orphans().fallback.allocate(cls);
}

void envelope_deallocate(void* p, std::size_t bytes) noexcept {
    const int cls = class_of(bytes);
    if (cls < 0) {
        ::operator delete(p);
        return;
    }
    cache* owner = owner_of(p);
    if (owner == this_thread.mine && !this_thread.ended)
        owner->free_local(cls, p);
    else
        owner->free_remote(cls, p);
}

#else

void* envelope_allocate(std::size_t bytes) { return ::operator new(bytes); }
void envelope_deallocate(void* p, std::size_t) noexcept { ::operator delete(p); }

#endif

}  // namespace act::detail
