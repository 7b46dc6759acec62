#pragma once

#include <sys/resource.h>

namespace chatd::load {

/// CPU seconds (user + system) this process has used so far, all threads.
inline double process_cpu_seconds() noexcept {
    rusage u{};
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
    auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

}  // namespace chatd::load
