#pragma once

#include "results.hpp"

#include <string>

namespace chatd::load {

/// A self-contained SVG picture of a run: delivery latency percentiles (p50,
/// p95, p99) per second on a log axis above, delivered and sent messages per
/// second below (connected connections when no message flowed), the ramp,
/// warm-up and drain shaded, and a title with the label and main figures.
/// Pure.
std::string to_svg(const run_result& r);

}  // namespace chatd::load
