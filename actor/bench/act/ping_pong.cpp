// Our actor core's ping-pong benchmarks (same workloads as caf/ping_pong.cpp).
//   ping_pong_tell: N round trips of plain tells between two actors.
//   ping_pong_ask:  N sequential asks, each next one from the previous
//                   reply's continuation (no pipelining).
// Options: --n=N (tell, default 1000000), --ask_n=N (ask, default 1000000).

#include "act/system.hpp"
#include "act/thread_pool.hpp"
#include "bench_report.hpp"

#include <chrono>
#include <cstdint>
#include <future>
#include <string>

namespace {

constexpr int k_threads = 2;

struct ping {};
struct pong {};
struct start {};
struct ask_ping {
    using reply = int;
};

// The pong side needs the ping side's ref, so it learns it from the ball.
struct ball {
    act::ref<pong> reply_to;
};

struct tell_ponger : act::actor<ball> {
    void handle(const ball& b) override { b.reply_to.tell(pong{}); }
};

struct tell_pinger : act::actor<start, pong> {
    tell_pinger(act::ref<ball> partner, std::uint64_t n, std::promise<double>* done)
        : partner_(std::move(partner)), n_(n), done_(done) {}
    void handle(const start&) override {
        remaining_ = n_;
        sw_.reset();
        partner_.tell(ball{self()});
    }
    void handle(const pong&) override {
        if (--remaining_ == 0) {
            done_->set_value(sw_.seconds());
            stop();
            return;
        }
        partner_.tell(ball{self()});
    }

private:
    act::ref<ball> partner_;
    std::uint64_t n_, remaining_ = 0;
    std::promise<double>* done_;
    bench::stopwatch sw_;
};

struct ask_ponger : act::actor<ask_ping> {
    int handle(const ask_ping&) override { return 1; }
};

struct ask_pinger : act::actor<start> {
    ask_pinger(act::ref<ask_ping> partner, std::uint64_t n, std::promise<double>* done)
        : partner_(std::move(partner)), n_(n), done_(done) {}
    void handle(const start&) override {
        remaining_ = n_;
        sw_.reset();
        next();
    }
    void next() {
        ask(partner_, ask_ping{}, std::chrono::seconds(30), [this](act::result<int> r) {
            if (!r || --remaining_ == 0) {
                done_->set_value(sw_.seconds());
                stop();
                return;
            }
            next();
        });
    }

private:
    act::ref<ask_ping> partner_;
    std::uint64_t n_, remaining_ = 0;
    std::promise<double>* done_;
    bench::stopwatch sw_;
};

// Spawns a pong/ping pair, runs n round trips, stops both; round trips per second.
template <class Ponger, class Pinger>
double run_pair(act::system& sys, std::uint64_t n) {
    const act::spawn_options temporary{.kind = act::child_kind::temporary};
    std::promise<double> done;
    auto ponger = sys.spawn<Ponger>(temporary);
    auto pinger = sys.spawn<Pinger>(temporary, typename Ponger::ref_type(ponger), n, &done);
    pinger.tell(start{});
    const double seconds = done.get_future().get();
    sys.stop(ponger);
    return static_cast<double>(n) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
    bench::check_args(argc, argv, {"n", "ask_n"});
    const std::uint64_t tell_n = bench::arg_u64(argc, argv, "n", 1'000'000);
    const std::uint64_t ask_n = bench::arg_u64(argc, argv, "ask_n", 1'000'000);
    const std::string threads = " threads=" + std::to_string(k_threads);

    act::thread_pool pool(k_threads, "bench");
    act::system sys({.exec = &pool});
    bench::report("act", "ping_pong_tell", "round_trips_per_s", run_pair<tell_ponger, tell_pinger>(sys, tell_n),
                  "n=" + std::to_string(tell_n) + threads);
    bench::report("act", "ping_pong_ask", "round_trips_per_s", run_pair<ask_ponger, ask_pinger>(sys, ask_n),
                  "n=" + std::to_string(ask_n) + threads);
    return sys.shutdown() ? 0 : 1;
}
