// CAF 0.17 ping-pong benchmarks.
//   ping_pong_tell: N round trips of plain sends between two actors.
//   ping_pong_ask:  N sequential request/response round trips, each next
//                   request issued from the previous response's continuation.
// Options: --n=N (tell, default 1000000), --ask_n=N (ask, default 1000000).

#include <caf/all.hpp>

#include <cstdint>
#include <future>
#include <string>

#include "bench_report.hpp"

namespace {

using start_atom = caf::atom_constant<caf::atom("start")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;

constexpr int k_threads = 2;

// -- tell ---------------------------------------------------------------------

// Answers each ping with an explicit plain send, not a request response.
caf::behavior tell_pong(caf::event_based_actor* self) {
  return {[self](ping_atom) {
    self->send(caf::actor_cast<caf::actor>(self->current_sender()),
               pong_atom::value);
  }};
}

struct tell_ping_state {
  std::uint64_t remaining = 0;
  bench::stopwatch sw;
};

// Times from its first send until the N-th pong arrives, then reports the
// seconds through `done` (the actor runs on a CAF worker, main just waits).
caf::behavior tell_ping(caf::stateful_actor<tell_ping_state>* self,
                        caf::actor pong, std::uint64_t n,
                        std::promise<double>* done) {
  return {
      [=](start_atom) {
        self->state.remaining = n;
        self->state.sw.reset();
        self->send(pong, ping_atom::value);
      },
      [=](pong_atom) {
        if (--self->state.remaining == 0) {
          done->set_value(self->state.sw.seconds());
          self->quit();
          return;
        }
        self->send(pong, ping_atom::value);
      },
  };
}

// -- ask ----------------------------------------------------------------------

// The handler's return value becomes the response to the request.
caf::behavior ask_pong(caf::event_based_actor*) {
  return {[](ping_atom) { return pong_atom::value; }};
}

struct ask_ping_state {
  caf::actor pong;
  std::uint64_t remaining = 0;
  std::promise<double>* done = nullptr;
  bench::stopwatch sw;
};

using ask_ping_actor = caf::stateful_actor<ask_ping_state>;

// Issues one request; the continuation issues the next (no pipelining).
void ask_next(ask_ping_actor* self) {
  self->request(self->state.pong, caf::infinite, ping_atom::value)
      .then([self](pong_atom) {
        if (--self->state.remaining == 0) {
          self->state.done->set_value(self->state.sw.seconds());
          self->quit();
          return;
        }
        ask_next(self);
      });
}

caf::behavior ask_ping(ask_ping_actor* self, caf::actor pong,
                       std::uint64_t n, std::promise<double>* done) {
  self->state.pong = std::move(pong);
  self->state.done = done;
  return {[self, n](start_atom) {
    self->state.remaining = n;
    self->state.sw.reset();
    ask_next(self);
  }};
}

// Spawns a pong/ping pair, runs one measurement and stops both actors.
template <class Pong, class Ping>
double run(caf::actor_system& sys, Pong pong_fn, Ping ping_fn,
           std::uint64_t n) {
  std::promise<double> done;
  auto pong = sys.spawn(pong_fn);
  auto ping = sys.spawn(ping_fn, pong, n, &done);
  caf::anon_send(ping, start_atom::value);
  const double seconds = done.get_future().get();
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  bench::check_args(argc, argv, {"n", "ask_n"});
  const std::uint64_t tell_n = bench::arg_u64(argc, argv, "n", 1'000'000);
  const std::uint64_t ask_n = bench::arg_u64(argc, argv, "ask_n", 1'000'000);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", k_threads);
  caf::actor_system sys{cfg};
  const std::string threads = " threads=" + std::to_string(k_threads);

  const double tell_s = run(sys, tell_pong, tell_ping, tell_n);
  bench::report("caf", "ping_pong_tell", "round_trips_per_s", tell_n / tell_s,
                "n=" + std::to_string(tell_n) + threads);

  const double ask_s = run(sys, ask_pong, ask_ping, ask_n);
  bench::report("caf", "ping_pong_ask", "round_trips_per_s", ask_n / ask_s,
                "n=" + std::to_string(ask_n) + threads);
  // ~actor_system waits until every actor has terminated.
}
