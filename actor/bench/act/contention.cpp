// Our actor core's mailbox contention benchmark (same workload as
// caf/contention.cpp): 2 plain std::threads each tell --n ints to ONE
// counting actor; the clock runs from releasing the (already created)
// producers until the actor has handled all 2*n. CAF's mailboxes are
// unbounded, so ours is given room for all 2*n to keep the work the same.
// Options: --n=N messages per producer (default 1000000).

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
constexpr int k_producers = 2;

struct count {
    int value;
};

struct counter : act::actor<count> {
    counter(std::uint64_t total, std::promise<void>* finished) : pending_(total), finished_(finished) {}
    void handle(const count&) override {
        if (--pending_ == 0) finished_->set_value();
    }
    std::uint64_t pending_;
    std::promise<void>* finished_;
};

}  // namespace

int main(int argc, char** argv) {
    bench::check_args(argc, argv, {"n"});
    const std::uint64_t n = bench::arg_u64(argc, argv, "n", 1'000'000);

    act::thread_pool pool(k_threads, "bench");
    act::system sys({.exec = &pool});
    std::promise<void> finished;
    act::spawn_options o{.kind = act::child_kind::temporary};
    o.mailbox = act::mailbox_options{.capacity = n * k_producers};
    auto sink = sys.spawn<counter>(o, n * k_producers, &finished);

    std::atomic<bool> go{false};
    std::atomic<std::uint64_t> refused{0};
    std::vector<std::thread> producers;
    for (int p = 0; p < k_producers; ++p)
        producers.emplace_back([&] {
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            for (std::uint64_t i = 0; i < n; ++i)
                if (sink.tell(count{static_cast<int>(i)}) != act::send_status::ok) refused.fetch_add(1);
        });
    bench::stopwatch sw;
    go.store(true, std::memory_order_release);
    finished.get_future().wait();
    const double seconds = sw.seconds();
    for (auto& t : producers) t.join();

    bench::report("act", "contention", "messages_per_s", static_cast<double>(n * k_producers) / seconds,
                  "n=" + std::to_string(n) + " producers=" + std::to_string(k_producers) +
                      " threads=" + std::to_string(k_threads) + " refused=" + std::to_string(refused.load()));
    return sys.shutdown() ? 0 : 1;
}
