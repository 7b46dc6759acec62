// CAF 0.17 fan-out benchmark: one sender delivers --per messages to each of
// --actors receivers, broadcast style (round r goes to every receiver before
// round r+1). Every message carries the SAME shared_ptr<const std::string>
// (64 bytes), so only a reference count is touched per delivery. Each
// receiver sends one `done` to a collector after its last message; the clock
// runs from the sender's first send until the collector has every `done`.
// Spawning (and initialising) the receivers is not timed.
// Options: --actors=N (default 10000), --per=N (default 100).

#include <caf/all.hpp>

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_report.hpp"

using payload = std::shared_ptr<const std::string>;

// CAF 0.17 rejects message types it cannot serialize unless allowed
// explicitly; this payload is only ever sent within the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(payload)

namespace {

using start_atom = caf::atom_constant<caf::atom("start")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

constexpr int k_threads = 2;
constexpr std::size_t k_payload_bytes = 64;

struct receiver_state {
  std::uint64_t received = 0;
};

// Bumps `ready` once initialised so main can start the clock only after all
// receivers are up (CAF 0.17 runs actor initialisation asynchronously).
caf::behavior receiver(caf::stateful_actor<receiver_state>* self,
                       caf::actor collector, std::uint64_t per,
                       std::atomic<std::uint64_t>* ready) {
  ready->fetch_add(1, std::memory_order_release);
  return {[self, collector, per](const payload&) {
    if (++self->state.received == per)
      self->send(collector, done_atom::value);
  }};
}

struct collector_state {
  std::uint64_t pending = 0;
};

caf::behavior collector(caf::stateful_actor<collector_state>* self,
                        std::uint64_t actors, const bench::stopwatch* sw,
                        std::promise<double>* done) {
  self->state.pending = actors;
  return {[=](done_atom) {
    if (--self->state.pending == 0) {
      done->set_value(sw->seconds());
      self->quit();
    }
  }};
}

// `sw` is reset right before the first send; the collector reads it later,
// ordered by the message chain sender -> receiver -> collector.
caf::behavior sender(caf::event_based_actor* self,
                     const std::vector<caf::actor>* receivers,
                     std::uint64_t per, bench::stopwatch* sw) {
  return {[=](start_atom) {
    const auto data = std::make_shared<const std::string>(k_payload_bytes, 'x');
    sw->reset();
    for (std::uint64_t round = 0; round < per; ++round)
      for (const auto& r : *receivers) self->send(r, data);
    self->quit();
  }};
}

}  // namespace

int main(int argc, char** argv) {
  bench::check_args(argc, argv, {"actors", "per"});
  const std::uint64_t actors = bench::arg_u64(argc, argv, "actors", 10'000);
  const std::uint64_t per = bench::arg_u64(argc, argv, "per", 100);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", k_threads);
  caf::actor_system sys{cfg};

  bench::stopwatch sw;
  std::promise<double> done;
  std::atomic<std::uint64_t> ready{0};
  double seconds = 0;
  {
    auto coll = sys.spawn(collector, actors, &sw, &done);
    std::vector<caf::actor> receivers;
    receivers.reserve(actors);
    for (std::uint64_t i = 0; i < actors; ++i)
      receivers.push_back(sys.spawn(receiver, coll, per, &ready));
    while (ready.load(std::memory_order_acquire) < actors)
      std::this_thread::yield();

    caf::anon_send(sys.spawn(sender, &receivers, per, &sw), start_atom::value);
    seconds = done.get_future().get();
    for (const auto& r : receivers)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  }
  bench::report("caf", "fan_out", "deliveries_per_s", actors * per / seconds,
                "actors=" + std::to_string(actors) + " per=" +
                    std::to_string(per) + " payload_bytes=" +
                    std::to_string(k_payload_bytes) +
                    " threads=" + std::to_string(k_threads));
  // ~actor_system waits until every actor has terminated.
}
