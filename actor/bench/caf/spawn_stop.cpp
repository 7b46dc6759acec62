// CAF 0.17 spawn/stop benchmark and idle-actor footprint.
//   spawn_stop:       seconds to spawn --n idle event-based actors (until all
//                     have run their initialisation) plus seconds to stop
//                     them all (send_exit, wait until none runs, drop handles).
//   idle_actor_bytes: (RSS with the n actors alive - RSS before) / n. The
//                     handle vector is allocated and touched before the first
//                     RSS sample, so only the runtime's per-actor cost counts.
// Options: --n=N (default 1000000).
//
// Waiting for "all gone": CAF 0.17's actor_registry::await_running_count_equal
// only supports 0 or 1 (dec_running notifies its condition variable only when
// the count drops to <= 1), so waiting for a baseline count is impossible.
// actor_system::await_all_actors_done() waits for 0, which is correct here
// because this program has no other non-hidden actors (no scoped_actor; CAF's
// internal actors are hidden). An actor leaves the running count in its
// cleanup, i.e. once it has fully terminated. Monitors would instead cost one
// down message per actor.

#include <caf/all.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include "bench_report.hpp"

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;

constexpr int k_threads = 2;

// Initialisation runs asynchronously on a CAF worker after spawn() returns;
// these globals (not members, so actors stay stateless) let main learn when
// the last one is up.
std::atomic<std::uint64_t> g_initialised{0};
std::uint64_t g_target = 0;
std::promise<void> g_all_initialised;

// Class-based, the leanest event-based actor: no stored init function.
class idle_actor : public caf::event_based_actor {
 public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    if (g_initialised.fetch_add(1, std::memory_order_acq_rel) + 1 == g_target)
      g_all_initialised.set_value();
    return {[](ping_atom) {}};
  }
};

}  // namespace

int main(int argc, char** argv) {
  bench::check_args(argc, argv, {"n"});
  const std::uint64_t n = bench::arg_u64(argc, argv, "n", 1'000'000);
  g_target = n;

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", k_threads);
  caf::actor_system sys{cfg};
  if (sys.registry().running() != 0)
    std::fprintf(stderr, "warning: %zu actors running before the benchmark\n",
                 sys.registry().running());

  // Allocated and touched now, so its pages are not in the RSS delta.
  std::vector<caf::actor> actors(n);
  const std::uint64_t rss_before = bench::rss_bytes();

  bench::stopwatch sw;
  for (auto& a : actors) a = sys.spawn<idle_actor>();
  g_all_initialised.get_future().wait();
  const double spawn_s = sw.seconds();
  const std::uint64_t rss_alive = bench::rss_bytes();

  sw.reset();
  for (const auto& a : actors)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  for (auto& a : actors) a = nullptr;  // releases the last strong references
  const double stop_s = sw.seconds();

  const std::string common =
      "n=" + std::to_string(n) + " threads=" + std::to_string(k_threads);
  bench::report("caf", "spawn_stop", "seconds", spawn_s + stop_s,
                common + " spawn_s=" + std::to_string(spawn_s) +
                    " stop_s=" + std::to_string(stop_s));
  const double per_actor =
      rss_alive > rss_before ? double(rss_alive - rss_before) / n : 0.0;
  bench::report("caf", "idle_actor_bytes", "bytes", per_actor, common);
}
