#pragma once

#include "results.hpp"

#include <string>

namespace chatd::load {

/// The end-of-run report for a person: several lines, figures with units.
/// Pure.
std::string format_summary(const run_result& r);

/// What the progress line shows about the second that just ended.
struct progress_view {
    double elapsed_s = 0;
    run_phase phase = run_phase::ramp;
    std::uint64_t connected = 0, planned = 0, failed = 0;
    const second_sample* second = nullptr;  ///< the second that just ended
    std::uint64_t errors = 0, disconnects = 0, gaps = 0, duplicates = 0;  ///< so far
    double cpu_percent = 0;
};

/// One line, no line break: "  12s measure  conn 200/200  sent 200/s ...".
std::string format_progress(const progress_view& v);

/// 1234 -> "1234", 12345 -> "12.3k", 1234567 -> "1.23M".
std::string human_count(double n);
/// Microseconds as a readable duration: "850us", "1.24ms", "2.31s".
std::string human_us(std::uint64_t us);

}  // namespace chatd::load
