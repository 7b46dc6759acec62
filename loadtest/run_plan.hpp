#pragma once

#include "adapter.hpp"
#include "room_plan.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chatd::load {

using steady = std::chrono::steady_clock;

/// Microseconds on the machine-wide monotonic clock (CLOCK_MONOTONIC): the
/// send stamps in message texts, comparable between processes.
inline std::uint64_t now_us() noexcept {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(steady::now().time_since_epoch()).count());
}

/// One target, resolved.
struct target_info {
    std::string address;  ///< the resolved IP, as text
    std::uint16_t port = 0;
    std::string host;     ///< Host header: host:port as the URL says
    std::string target;   ///< path and query
};

/// What every connection of the process needs to know, fixed before the I/O
/// threads start and only read afterwards (so it needs no lock).
struct run_plan {
    const adapter* speaker = nullptr;
    std::vector<target_info> targets;     ///< connection i uses targets[i % size]
    std::vector<std::uint32_t> sources;   ///< connection i binds sources[i % size]; empty: any
    std::string run_tag;                  ///< makes client_ids unique to this run (the server dedupes by them)
    std::uint32_t payload = 64;
    double rate = 0;                      ///< per sending connection
    std::uint64_t window_start_us = 0;    ///< now_us() clock: lines sent in [start, end) are measured
    std::uint64_t window_end_us = 0;      ///< and senders stop here
};

}  // namespace chatd::load
