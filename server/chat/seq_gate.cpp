#include "chat/seq_gate.hpp"

#include <algorithm>
#include <utility>

namespace chatd::chat {

void seq_gate::start(std::uint64_t delivered) {
    delivered_ = delivered;
    known_ = delivered;
    held_.clear();
}

void seq_gate::forget_missing(std::uint64_t up_to) noexcept {
    held_.erase(held_.begin(), held_.upper_bound(up_to));
    if (known_ <= up_to) known_ = delivered_;
}

bool seq_gate::offer(cluster_event e, const release_fn& release) {
    if (e.seq <= delivered_) return false;  // let through already
    known_ = std::max(known_, e.seq);
    if (!e.data) return false;  // a seq without content: only the store can fill it
    if (e.seq != delivered_ + 1) {
        if (held_.contains(e.seq)) return false;
        if (held_.size() >= max_held_) return false;  // still missing: the fill reads it
        held_.emplace(e.seq, std::move(e));
        return true;
    }
    delivered_ = e.seq;
    release(e);
    // What it unblocks: held events right after it.
    for (auto it = held_.begin(); it != held_.end() && it->first == delivered_ + 1; it = held_.erase(it)) {
        delivered_ = it->first;
        release(it->second);
    }
    return true;
}

}  // namespace chatd::chat
