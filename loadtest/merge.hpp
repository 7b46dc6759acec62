#pragma once

#include "options.hpp"

namespace chatd::load {

/// `chatd-load merge`: reads the processes' JSON results, adds them up
/// (histograms exactly, seconds by wall clock), prints the summary and
/// writes the merged JSON and SVG. The exit status.
int run_merge(const merge_options& o);

}  // namespace chatd::load
