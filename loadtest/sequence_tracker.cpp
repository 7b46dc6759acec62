#include "sequence_tracker.hpp"

namespace chatd::load {

void sequence_tracker::start(std::uint64_t last_seq) noexcept {
    open_.clear();  // what a rejoin skipped is not awaited; it stays in missing_
    next_ = last_seq + 1;
    floor_ = last_seq;
    started_ = true;
}

sequence_tracker::verdict sequence_tracker::receive(std::uint64_t seq) {
    ++received_;
    if (!started_) {
        start(seq - 1);
    }
    if (seq == next_) {
        ++next_;
        return verdict::in_order;
    }
    if (seq > next_) {
        ++gap_events_;
        missing_ += seq - next_;
        if (open_.size() == max_ranges) open_.erase(open_.begin());  // given up: lost for good
        open_.push_back({next_, seq - 1});
        next_ = seq + 1;
        return verdict::gap;
    }
    if (seq > floor_ && fill(seq)) {
        ++out_of_order_;
        --missing_;
        return verdict::out_of_order;
    }
    ++duplicates_;
    return verdict::duplicate;
}

bool sequence_tracker::fill(std::uint64_t seq) {
    for (auto it = open_.begin(); it != open_.end(); ++it) {
        if (seq < it->lo || seq > it->hi) continue;
        if (it->lo == it->hi) {
            open_.erase(it);
        } else if (seq == it->lo) {
            ++it->lo;
        } else if (seq == it->hi) {
            --it->hi;
        } else {
            // Split in two; the range count may exceed max_ranges by the
            // split, so give up the oldest to stay in fixed memory.
            const range tail{seq + 1, it->hi};
            it->hi = seq - 1;
            open_.insert(it + 1, tail);
            if (open_.size() > max_ranges) open_.erase(open_.begin());
        }
        return true;
    }
    return false;
}

}  // namespace chatd::load
