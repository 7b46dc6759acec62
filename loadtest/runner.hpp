#pragma once

#include "options.hpp"

namespace chatd::load {

/// Runs a load test as the options say: opens this process's connections on
/// `threads` I/O threads, samples every second (progress line, timeline),
/// stops the senders after warm-up + duration, waits for what is in flight
/// (at most --drain), closes, prints the summary and writes the files.
/// SIGINT or SIGTERM end it early with what was measured so far.
/// The exit status: 0, or 1 when nothing connected or a file was not written.
int run_load(const run_options& o);

}  // namespace chatd::load
