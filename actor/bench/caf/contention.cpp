// CAF 0.17 mailbox contention benchmark: 2 plain std::threads each
// anon_send --n ints into ONE counting actor. The clock runs from releasing
// the (already created) producer threads until the actor has handled all
// 2*n messages. Note the machine has 2 cores shared by the 2 producers and
// the 2 CAF workers.
// Options: --n=N messages per producer (default 1000000).

#include <caf/all.hpp>

#include <atomic>
#include <cstdint>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "bench_report.hpp"

namespace {

constexpr int k_threads = 2;
constexpr int k_producers = 2;

struct counter_state {
  std::uint64_t pending = 0;
};

caf::behavior counter(caf::stateful_actor<counter_state>* self,
                      std::uint64_t total, std::promise<void>* done) {
  self->state.pending = total;
  return {[=](int) {
    if (--self->state.pending == 0) {
      done->set_value();
      self->quit();
    }
  }};
}

}  // namespace

int main(int argc, char** argv) {
  bench::check_args(argc, argv, {"n"});
  const std::uint64_t n = bench::arg_u64(argc, argv, "n", 1'000'000);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", k_threads);
  caf::actor_system sys{cfg};

  std::promise<void> done;
  auto sink = sys.spawn(counter, n * k_producers, &done);

  // Threads wait on `go` so thread creation stays outside the measurement.
  std::atomic<bool> go{false};
  std::vector<std::thread> producers;
  for (int p = 0; p < k_producers; ++p)
    producers.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 0; i < n; ++i)
        caf::anon_send(sink, static_cast<int>(i));
    });

  bench::stopwatch sw;
  go.store(true, std::memory_order_release);
  done.get_future().wait();
  const double seconds = sw.seconds();
  for (auto& t : producers) t.join();

  bench::report("caf", "contention", "messages_per_s",
                n * k_producers / seconds,
                "n=" + std::to_string(n) + " producers=" +
                    std::to_string(k_producers) +
                    " threads=" + std::to_string(k_threads));
  // The counter quit itself; ~actor_system waits for it to be gone.
}
