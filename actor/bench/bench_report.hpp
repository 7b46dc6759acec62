#pragma once

/// Shared helpers for the side-by-side actor benchmarks (CAF and our own
/// core). Standard library plus POSIX `sysconf` only, so every implementation
/// can include it and produce byte-identical RESULT lines.

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>

namespace bench {

/// Monotonic stopwatch; starts running on construction.
class stopwatch {
 public:
  /// Restarts the measurement from now.
  void reset() { start_ = std::chrono::steady_clock::now(); }

  /// Seconds elapsed since construction or the last `reset()`.
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

/// Current resident set size of this process in bytes (0 if unreadable).
/// /proc/self/statm field 2 is the resident page count.
inline std::uint64_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size_pages = 0;
  std::uint64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

/// Prints one machine-readable line to stdout and flushes, e.g.
/// `RESULT impl=caf bench=ping_pong_tell unit=round_trips_per_s
/// value=1234567.8 extra="n=1000000 threads=2"`.
/// `value` is printed in fixed notation (never an exponent): one decimal when
/// |value| >= 100, six decimals otherwise, so small figures such as seconds
/// keep their precision. `extra` is always printed (possibly `extra=""`);
/// any `"` inside it is replaced by `'` to keep the line parseable.
inline void report(std::string_view impl, std::string_view bench,
                   std::string_view unit, double value,
                   std::string_view extra = {}) {
  std::string safe_extra(extra);
  for (char& c : safe_extra)
    if (c == '"') c = '\'';
  const int decimals = std::fabs(value) >= 100.0 ? 1 : 6;
  std::printf("RESULT impl=%.*s bench=%.*s unit=%.*s value=%.*f extra=\"%s\"\n",
              static_cast<int>(impl.size()), impl.data(),
              static_cast<int>(bench.size()), bench.data(),
              static_cast<int>(unit.size()), unit.data(), decimals, value,
              safe_extra.c_str());
  std::fflush(stdout);
}

/// Exits with status 2 if argv holds anything but `--NAME=...` for one of
/// `known`, so a typo in a CI size override cannot go unnoticed.
inline void check_args(int argc, char** argv,
                       std::initializer_list<std::string_view> known) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    bool ok = false;
    for (std::string_view name : known) {
      ok = ok || (arg.size() > name.size() + 3 && arg.substr(0, 2) == "--" &&
                  arg.substr(2, name.size()) == name &&
                  arg[2 + name.size()] == '=');
    }
    if (!ok) {
      std::fprintf(stderr, "unknown argument '%s'; accepted:", argv[i]);
      for (std::string_view name : known)
        std::fprintf(stderr, " --%.*s=N", static_cast<int>(name.size()),
                     name.data());
      std::fprintf(stderr, "\n");
      std::exit(2);
    }
  }
}

/// Returns the positive integer given as `--NAME=NUMBER` in argv, or `def`
/// if absent. Exits with status 2 on a malformed or zero value. The last
/// occurrence wins.
inline std::uint64_t arg_u64(int argc, char** argv, std::string_view name,
                             std::uint64_t def) {
  std::uint64_t result = def;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.size() < name.size() + 3 || arg.substr(0, 2) != "--" ||
        arg.substr(2, name.size()) != name || arg[2 + name.size()] != '=')
      continue;
    const std::string_view num = arg.substr(3 + name.size());
    std::uint64_t parsed = 0;
    const auto [end, ec] =
        std::from_chars(num.data(), num.data() + num.size(), parsed);
    if (ec != std::errc{} || end != num.data() + num.size() || parsed == 0) {
      std::fprintf(stderr, "--%.*s needs a positive integer, got '%.*s'\n",
                   static_cast<int>(name.size()), name.data(),
                   static_cast<int>(num.size()), num.data());
      std::exit(2);
    }
    result = parsed;
  }
  return result;
}

}  // namespace bench
