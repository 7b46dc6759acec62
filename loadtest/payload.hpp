#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::load {

// A message text carries its send time, so any receiver, in this process or
// another on the same machine, can tell how long it took, and whether its
// sender measured it: "<microseconds> m " (or "- " when sent outside the
// sender's measured window), padded with 'x' to the payload size. The clock
// is CLOCK_MONOTONIC (std::chrono::steady_clock on Linux), one clock for the
// whole machine. The flag makes every process of a run count the same lines,
// however their windows are offset. Pure; any thread.

struct stamp {
    std::uint64_t sent_us = 0;
    bool measured = false;
};

/// Writes the text for a message into `out` (replacing it): exactly `size`
/// bytes when size is at least the stamp's length (23 bytes at most).
void stamp_payload(std::string& out, stamp s, std::size_t size);

/// The stamp at the start of `text`, or nullopt if it has none.
std::optional<stamp> read_stamp(std::string_view text) noexcept;

}  // namespace chatd::load
