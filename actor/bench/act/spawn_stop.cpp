// Our actor core's spawn/stop benchmark and idle-actor footprint (same
// workload as caf/spawn_stop.cpp).
//   spawn_stop:       seconds to spawn --n idle actors (until every one has
//                     run on_start) plus seconds to stop them all (until the
//                     system counts none of them live, refs dropped).
//   idle_actor_bytes: (RSS with the n actors alive - RSS before) / n; the
//                     ref vector is allocated and touched before the first
//                     sample, so only the runtime's per-actor cost counts.
// Options: --n=N (default 1000000).

#include "act/system.hpp"
#include "act/thread_pool.hpp"
#include "bench_report.hpp"

#include <atomic>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int k_threads = 2;

struct ping {};

// Globals rather than members, so the idle actor holds no state.
std::atomic<std::uint64_t> g_started{0};
std::uint64_t g_target = 0;
std::promise<void> g_all_started;

struct idle_actor : act::actor<ping> {
    void on_start() override {
        if (g_started.fetch_add(1, std::memory_order_acq_rel) + 1 == g_target) g_all_started.set_value();
    }
    void handle(const ping&) override {}
};

}  // namespace

int main(int argc, char** argv) {
    bench::check_args(argc, argv, {"n"});
    const std::uint64_t n = bench::arg_u64(argc, argv, "n", 1'000'000);
    g_target = n;

    act::thread_pool pool(k_threads, "bench");
    act::system sys({.exec = &pool});
    const act::spawn_options temporary{.kind = act::child_kind::temporary};
    const std::uint64_t baseline = sys.live_actors();

    std::vector<act::ref<ping>> actors(n);
    const std::uint64_t rss_before = bench::rss_bytes();
    bench::stopwatch sw;
    for (auto& a : actors) a = sys.spawn<idle_actor>(temporary);
    g_all_started.get_future().wait();
    const double spawn_s = sw.seconds();
    const std::uint64_t rss_alive = bench::rss_bytes();

    sw.reset();
    for (const auto& a : actors) sys.stop(a);
    while (sys.live_actors() > baseline) std::this_thread::yield();
    for (auto& a : actors) a = {};  // the last references: cells are freed
    const double stop_s = sw.seconds();

    const std::string common = "n=" + std::to_string(n) + " threads=" + std::to_string(k_threads);
    bench::report("act", "spawn_stop", "seconds", spawn_s + stop_s,
                  common + " spawn_s=" + std::to_string(spawn_s) + " stop_s=" + std::to_string(stop_s));
    const double per_actor =
        rss_alive > rss_before ? static_cast<double>(rss_alive - rss_before) / static_cast<double>(n) : 0.0;
    bench::report("act", "idle_actor_bytes", "bytes", per_actor, common);
    return sys.shutdown() ? 0 : 1;
}
