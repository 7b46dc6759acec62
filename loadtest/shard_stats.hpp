#pragma once

#include "histogram.hpp"
#include "results.hpp"

#include <cstdint>

namespace chatd::load {

/// What one shard saw in one second (see second_sample).
struct interval_stats {
    std::uint64_t sent = 0, acked = 0, delivered = 0;
    std::uint64_t errors = 0, disconnects = 0, backlog = 0;
    std::uint64_t connects = 0, connect_failures = 0;
    histogram delivery;
};

/// A shard's answer to the runner's once-a-second question.
struct shard_report {
    interval_stats second;
    std::uint64_t connected = 0;    ///< open now
    std::uint64_t outstanding = 0;  ///< sends not yet acked nor refused
    std::uint64_t gap_events = 0, duplicates = 0;  ///< so far
};

/// Everything a shard counts, for its connections' owner thread only.
struct shard_stats {
    interval_stats second;  ///< since the last report
    run_result totals;      ///< the run so far (counts and histograms only)
    std::uint64_t connected = 0;
    std::uint64_t outstanding = 0;
    std::uint64_t gap_events = 0, duplicates = 0;
};

}  // namespace chatd::load
