#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chatd::load {

/// Gaps and duplicates in one room as one receiver sees it, by sequence
/// number. A connection holds one per room it is in; nothing is shared, so
/// receivers and rooms are independent by construction.
///
/// The tracker expects `seq`s to rise by one. A jump forward opens a gap (the
/// seqs skipped are missing); a seq that fills a missing one later counts as
/// out of order and closes that part of the gap; a seq seen before (or at or
/// below the start) is a duplicate. The missing seqs are kept as at most
/// max_ranges ranges (fixed memory): when more open, the oldest range is given
/// up as lost for good, and a late arrival of one of its seqs then counts as a
/// duplicate. One owner; not thread-safe.
class sequence_tracker {
public:
    static constexpr std::size_t max_ranges = 32;

    /// Starts (again) after a join whose reply said the room's newest seq was
    /// `last_seq`: the next message expected is last_seq + 1. Anything missing
    /// from before stays counted in gaps() but is no longer waited for.
    void start(std::uint64_t last_seq) noexcept;

    /// True once start() or a first message has set where the stream begins.
    bool started() const noexcept { return started_; }

    enum class verdict : std::uint8_t { in_order, gap, out_of_order, duplicate };

    /// Accounts for one received seq. Before start(), the first seq starts the
    /// stream (it is in order).
    verdict receive(std::uint64_t seq);

    /// Seqs skipped and not (yet) received.
    std::uint64_t gaps() const noexcept { return missing_; }
    /// How many times the stream jumped forward.
    std::uint64_t gap_events() const noexcept { return gap_events_; }
    std::uint64_t duplicates() const noexcept { return duplicates_; }
    std::uint64_t out_of_order() const noexcept { return out_of_order_; }
    std::uint64_t received() const noexcept { return received_; }
    /// The highest seq received or started from.
    std::uint64_t last() const noexcept { return next_ == 0 ? 0 : next_ - 1; }

private:
    struct range {
        std::uint64_t lo, hi;  // missing seqs lo..hi, inclusive
    };
    bool fill(std::uint64_t seq);  // true if seq was missing

    std::vector<range> open_;  // oldest first; at most max_ranges
    std::uint64_t next_ = 0;   // the seq expected next
    std::uint64_t floor_ = 0;  // seqs at or below this came before start()
    bool started_ = false;
    std::uint64_t missing_ = 0;
    std::uint64_t gap_events_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t out_of_order_ = 0;
    std::uint64_t received_ = 0;
};

}  // namespace chatd::load
