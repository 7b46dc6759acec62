// Our actor core's fan-out benchmark (same workload as caf/fan_out.cpp): one
// sender delivers --per messages to each of --actors receivers, round r to
// every receiver before round r+1, all carrying the SAME
// shared_ptr<const std::string> (64 bytes). Each receiver tells a collector
// once it has all its messages; the clock runs from the first send until the
// collector has heard from every receiver. Spawning is not timed.
// Options: --actors=N (default 10000), --per=N (default 100).

#include "act/system.hpp"
#include "act/thread_pool.hpp"
#include "bench_report.hpp"

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int k_threads = 2;
constexpr std::size_t k_payload_bytes = 64;

struct payload {
    std::shared_ptr<const std::string> data;
};
struct done {};
struct start {};

struct collector : act::actor<done> {
    collector(std::uint64_t actors, const bench::stopwatch* sw, std::promise<double>* finished)
        : pending_(actors), sw_(sw), finished_(finished) {}
    void handle(const done&) override {
        if (--pending_ == 0) finished_->set_value(sw_->seconds());
    }
    std::uint64_t pending_;
    const bench::stopwatch* sw_;
    std::promise<double>* finished_;
};

struct receiver : act::actor<payload> {
    receiver(act::ref<done> coll, std::uint64_t per, std::atomic<std::uint64_t>* ready)
        : coll_(std::move(coll)), per_(per), ready_(ready) {}
    void on_start() override { ready_->fetch_add(1, std::memory_order_release); }
    void handle(const payload&) override {
        if (++received_ == per_) coll_.tell(done{});
    }
    act::ref<done> coll_;
    std::uint64_t per_, received_ = 0;
    std::atomic<std::uint64_t>* ready_;
};

struct sender : act::actor<start> {
    sender(const std::vector<act::ref<payload>>* receivers, std::uint64_t per, bench::stopwatch* sw)
        : receivers_(receivers), per_(per), sw_(sw) {}
    void handle(const start&) override {
        const auto data = std::make_shared<const std::string>(k_payload_bytes, 'x');
        sw_->reset();
        for (std::uint64_t round = 0; round < per_; ++round)
            for (const auto& r : *receivers_) r.tell(payload{data});
        stop();
    }
    const std::vector<act::ref<payload>>* receivers_;
    std::uint64_t per_;
    bench::stopwatch* sw_;
};

}  // namespace

int main(int argc, char** argv) {
    bench::check_args(argc, argv, {"actors", "per"});
    const std::uint64_t actors = bench::arg_u64(argc, argv, "actors", 10'000);
    const std::uint64_t per = bench::arg_u64(argc, argv, "per", 100);

    act::thread_pool pool(k_threads, "bench");
    act::system sys({.exec = &pool});
    const act::spawn_options temporary{.kind = act::child_kind::temporary};
    bench::stopwatch sw;
    std::promise<double> finished;
    std::atomic<std::uint64_t> ready{0};

    // Every receiver may report at once: the collector's mailbox holds them all.
    act::spawn_options collector_options = temporary;
    collector_options.mailbox = act::mailbox_options{.capacity = actors};
    auto coll = sys.spawn<collector>(collector_options, actors, &sw, &finished);
    std::vector<act::ref<payload>> receivers;
    receivers.reserve(actors);
    for (std::uint64_t i = 0; i < actors; ++i)
        receivers.push_back(sys.spawn<receiver>(temporary, act::ref<done>(coll), per, &ready));
    while (ready.load(std::memory_order_acquire) < actors) std::this_thread::yield();
    sys.spawn<sender>(temporary, &receivers, per, &sw).tell(start{});
    const double seconds = finished.get_future().get();

    bench::report("act", "fan_out", "deliveries_per_s", static_cast<double>(actors * per) / seconds,
                  "actors=" + std::to_string(actors) + " per=" + std::to_string(per) +
                      " payload_bytes=" + std::to_string(k_payload_bytes) +
                      " threads=" + std::to_string(k_threads));
    return sys.shutdown() ? 0 : 1;
}
