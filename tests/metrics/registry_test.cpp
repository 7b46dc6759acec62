// The Prometheus registry (server/metrics): exact exposition text for a
// small registry, lock-free updates from several threads, and the input it
// refuses at registration.

#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <latch>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using chatd::metrics::registry;

namespace {

TEST(metrics_registry, renders_counters_gauges_and_histograms_exactly) {
    registry r;
    auto& frames = r.add_counter("chatd_frames_total", "Frames written.", {{"kind", "text"}});
    auto& pings = r.add_counter("chatd_frames_total", "ignored: the family's help is the first", {{"kind", "ping"}});
    auto& sessions = r.add_gauge("chatd_sessions", "Open sessions.");
    r.add_gauge_fn("chatd_rooms", "Live rooms.", [] { return 3.0; });
    r.add_counter_fn("chatd_dead_letters_total", "Dead letters.", [] { return 7.0; });
    auto& latency = r.add_histogram("chatd_commit_seconds", "Commit latency.", {0.005, 0.1, 1}, {{"db", "main"}});

    frames.inc();
    frames.inc(4);
    pings.inc();
    sessions.inc();
    sessions.inc();
    sessions.dec();
    sessions.inc(0.5);
    latency.observe(0.001);  // le 0.005
    latency.observe(0.005);  // le 0.005: bounds are inclusive
    latency.observe(0.05);   // le 0.1
    latency.observe(2);      // +Inf only

    EXPECT_EQ(r.render(),
              "# HELP chatd_frames_total Frames written.\n"
              "# TYPE chatd_frames_total counter\n"
              "chatd_frames_total{kind=\"text\"} 5\n"
              "chatd_frames_total{kind=\"ping\"} 1\n"
              "# HELP chatd_sessions Open sessions.\n"
              "# TYPE chatd_sessions gauge\n"
              "chatd_sessions 1.5\n"
              "# HELP chatd_rooms Live rooms.\n"
              "# TYPE chatd_rooms gauge\n"
              "chatd_rooms 3\n"
              "# HELP chatd_dead_letters_total Dead letters.\n"
              "# TYPE chatd_dead_letters_total counter\n"
              "chatd_dead_letters_total 7\n"
              "# HELP chatd_commit_seconds Commit latency.\n"
              "# TYPE chatd_commit_seconds histogram\n"
              "chatd_commit_seconds_bucket{db=\"main\",le=\"0.005\"} 2\n"
              "chatd_commit_seconds_bucket{db=\"main\",le=\"0.1\"} 3\n"
              "chatd_commit_seconds_bucket{db=\"main\",le=\"1\"} 3\n"
              "chatd_commit_seconds_bucket{db=\"main\",le=\"+Inf\"} 4\n"
              "chatd_commit_seconds_sum{db=\"main\"} 2.056\n"
              "chatd_commit_seconds_count{db=\"main\"} 4\n");
}

TEST(metrics_registry, an_empty_registry_renders_nothing) {
    registry r;
    EXPECT_EQ(r.render(), "");
}

TEST(metrics_registry, a_histogram_without_labels_or_observations) {
    registry r;
    r.add_histogram("h", "H.", {1, 2, std::numeric_limits<double>::infinity()});  // a trailing +Inf is implied anyway
    EXPECT_EQ(r.render(),
              "# HELP h H.\n"
              "# TYPE h histogram\n"
              "h_bucket{le=\"1\"} 0\n"
              "h_bucket{le=\"2\"} 0\n"
              "h_bucket{le=\"+Inf\"} 0\n"
              "h_sum 0\n"
              "h_count 0\n");
}

TEST(metrics_registry, escapes_label_values_and_help) {
    registry r;
    r.add_counter("c", "Line one\nback\\slash \"quotes\" stay", {{"path", "a\\b\"c\"\nd"}}).inc();
    EXPECT_EQ(r.render(),
              "# HELP c Line one\\nback\\\\slash \"quotes\" stay\n"
              "# TYPE c counter\n"
              "c{path=\"a\\\\b\\\"c\\\"\\nd\"} 1\n");
}

TEST(metrics_registry, renders_special_gauge_values) {
    registry r;
    r.add_gauge_fn("nan", "N.", [] { return std::nan(""); });
    r.add_gauge_fn("inf", "I.", [] { return -std::numeric_limits<double>::infinity(); });
    r.add_gauge_fn("throws", "T.", []() -> double { throw std::runtime_error("x"); });
    r.add_gauge("neg", "G.").set(-0.25);
    EXPECT_EQ(r.render(),
              "# HELP nan N.\n# TYPE nan gauge\nnan NaN\n"
              "# HELP inf I.\n# TYPE inf gauge\ninf -Inf\n"
              "# HELP throws T.\n# TYPE throws gauge\nthrows NaN\n"
              "# HELP neg G.\n# TYPE neg gauge\nneg -0.25\n");
}

TEST(metrics_registry, concurrent_updates_from_four_threads_add_up) {
    constexpr int threads = 4;
    constexpr int per_thread = 100'000;
    registry r;
    auto& c = r.add_counter("c_total", "C.");
    auto& g = r.add_gauge("g", "G.");
    auto& h = r.add_histogram("h", "H.", {10, 100});
    std::latch start(threads + 1);
    std::atomic<bool> stop_scraping{false};
    std::thread scraper([&] {  // rendering meanwhile must be safe too
        start.arrive_and_wait();
        while (!stop_scraping.load()) EXPECT_FALSE(r.render().empty());
    });
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&] {
            start.arrive_and_wait();
            for (int i = 0; i < per_thread; ++i) {
                c.inc();
                g.inc();
                h.observe(static_cast<double>(i % 200));  // 0..199: 11 le 10, 90 le 100, 99 above
            }
        });
    for (auto& w : workers) w.join();
    stop_scraping = true;
    scraper.join();

    constexpr std::uint64_t total = std::uint64_t{threads} * per_thread;
    EXPECT_EQ(c.value(), total);
    EXPECT_EQ(g.value(), static_cast<double>(total));
    EXPECT_EQ(h.bucket_count(0), total / 200 * 11);
    EXPECT_EQ(h.bucket_count(1), total / 200 * 90);
    EXPECT_EQ(h.bucket_count(2), total / 200 * 99);
    EXPECT_EQ(h.sum(), static_cast<double>(total / 200 * (199 * 200 / 2)));  // integers: exact in a double
    const std::string text = r.render();
    EXPECT_NE(text.find("c_total 400000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("h_count 400000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("h_bucket{le=\"100\"} 202000\n"), std::string::npos) << text;
}

TEST(metrics_registry, validates_metric_and_label_names) {
    using chatd::metrics::valid_label_name;
    using chatd::metrics::valid_metric_name;
    EXPECT_TRUE(valid_metric_name("chatd_frames_total"));
    EXPECT_TRUE(valid_metric_name(":recording:rule_1"));
    EXPECT_TRUE(valid_metric_name("_x"));
    EXPECT_FALSE(valid_metric_name(""));
    EXPECT_FALSE(valid_metric_name("1st"));
    EXPECT_FALSE(valid_metric_name("frames-total"));
    EXPECT_FALSE(valid_metric_name("frames total"));
    EXPECT_FALSE(valid_metric_name("caf\xc3\xa9"));
    EXPECT_TRUE(valid_label_name("room_kind"));
    EXPECT_FALSE(valid_label_name("__reserved"));
    EXPECT_FALSE(valid_label_name("a:b"));
    EXPECT_FALSE(valid_label_name("9a"));
    EXPECT_FALSE(valid_label_name(""));
}

TEST(metrics_registry, rejects_invalid_registrations_with_invalid_argument) {
    registry r;
    EXPECT_THROW(r.add_counter("bad-name", "x"), std::invalid_argument);
    EXPECT_THROW(r.add_counter("", "x"), std::invalid_argument);
    EXPECT_THROW(r.add_gauge("0gauge", "x"), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h.x", "x", {1}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("c", "x", {{"bad-label", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("c", "x", {{"__name__", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.add_counter("c", "x", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    EXPECT_THROW(r.add_gauge_fn("f", "x", nullptr), std::invalid_argument);

    EXPECT_THROW(r.add_histogram("h", "x", {2, 1}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h", "x", {1, 1}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h", "x", {std::nan("")}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("h", "x", {1}, {{"le", "1"}}), std::invalid_argument);

    r.add_counter("taken", "x", {{"a", "1"}, {"b", "2"}});
    EXPECT_THROW(r.add_counter("taken", "x", {{"b", "2"}, {"a", "1"}}), std::invalid_argument);  // same series
    EXPECT_THROW(r.add_gauge("taken", "x"), std::invalid_argument);                            // another type
    EXPECT_NO_THROW(r.add_counter("taken", "x", {{"a", "2"}, {"b", "2"}}));

    // Nothing refused made it into the output.
    EXPECT_EQ(r.render(),
              "# HELP taken x\n# TYPE taken counter\n"
              "taken{a=\"1\",b=\"2\"} 0\n"
              "taken{a=\"2\",b=\"2\"} 0\n");
}

}  // namespace
