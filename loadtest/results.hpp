#pragma once

#include "histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chatd::load {

/// A histogram as saved: its non-empty buckets and exact summary. A second of
/// the timeline keeps one of these instead of a whole histogram (16 KiB).
struct histogram_data {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> buckets;
    std::uint64_t count = 0, min = 0, max = 0, sum = 0, overflow = 0;

    static histogram_data of(const histogram& h);
    /// False if the data is not a histogram of this layout.
    bool into(histogram& h) const;
};

/// Where a second of the run falls.
enum class run_phase : std::uint8_t { ramp, warmup, measure, drain };
const char* to_string(run_phase p) noexcept;

/// One second of the run, as every process measured it. Counts are of what
/// happened in that second, whether or not it is measured (warm-up traffic
/// shows too); `delivery` holds the latencies of the lines received in it.
struct second_sample {
    std::int64_t unix_s = 0;  ///< wall-clock second it covers (aligned across processes)
    run_phase phase = run_phase::ramp;
    std::uint64_t sent = 0, acked = 0, delivered = 0;
    std::uint64_t errors = 0, disconnects = 0, backlog = 0;
    std::uint64_t connects = 0, connect_failures = 0;
    std::uint64_t connected = 0;  ///< open and past the handshake at the end of the second
    double cpu_seconds = 0;       ///< generator CPU used in the second (all threads)
    histogram_data delivery;
};

/// Gaps, duplicates or reordering one receiver saw in one room.
struct stream_anomaly {
    std::string room;
    std::uint32_t receiver = 0;  ///< global connection index
    std::uint64_t gaps = 0, duplicates = 0, out_of_order = 0;
};

/// Everything one run (or several merged processes) measured: the JSON file
/// holds exactly this. Message counts and latencies cover the lines sent in
/// the measured window; errors, disconnects and sequence accounting cover
/// the whole run.
struct run_result {
    // What ran.
    std::string label;
    std::string protocol;
    std::string urls;
    std::string rooms;
    std::uint32_t connections = 0;  ///< the run's total (all processes)
    double rate = 0;
    std::uint32_t payload = 0;
    double warmup = 0;
    double duration = 0;  ///< the measured window, seconds
    std::uint32_t threads = 0;
    std::uint32_t processes = 0;  ///< how many processes' results are in here
    std::int64_t start_unix_ms = 0;

    // Connections.
    std::uint64_t attempted = 0, connected = 0, connect_failed = 0;
    histogram connect_us;  ///< TCP connect + WebSocket upgrade
    std::map<std::string, std::uint64_t> connect_errors;  ///< failed connects by stage and reason

    // Lines sent in the measured window.
    std::uint64_t sent = 0, acked = 0, delivered = 0;
    std::uint64_t backlog = 0;  ///< sends skipped because the connection could not keep up
    histogram delivery_us;      ///< receive time - send time in the text
    histogram ack_us;           ///< ack time - send time

    std::map<std::string, std::uint64_t> errors;       ///< error replies by code
    std::map<std::string, std::uint64_t> disconnects;  ///< connections lost by close code or reason

    // Sequence accounting, per room per receiver, summed.
    std::uint64_t streams = 0;  ///< (receiver, room) pairs tracked
    std::uint64_t gaps = 0, gap_events = 0, duplicates = 0, out_of_order = 0;
    std::vector<stream_anomaly> anomalies;  ///< the first max_anomalies with any
    static constexpr std::size_t max_anomalies = 200;

    // The generator itself.
    double cpu_seconds = 0;
    double wall_seconds = 0;

    std::vector<second_sample> timeline;

    double per_second(std::uint64_t n) const noexcept { return duration > 0 ? double(n) / duration : 0.0; }
};

/// The generator's CPU use while it measured, in percent of one core (all
/// its threads; for merged results, all its processes): the figure that says
/// whether the generator, rather than the server, was the limit. Over the
/// whole run when no second was measured.
double measured_cpu_percent(const run_result& r) noexcept;

/// Adds `b` into `a`: counts and histograms add, seconds are matched by
/// wall-clock second, descriptions are kept from `a` (its label wins unless
/// empty; an empty `a`, processes == 0, takes b's). A `b` with processes == 0
/// holds counts only (a shard's): its description is ignored. Results of different runs merge too, but only processes of one
/// run make sense together.
void merge_into(run_result& a, const run_result& b);

}  // namespace chatd::load
