// Results files: JSON that reads back into the same figures, merging the
// files of processes that shared a run, and the picture's shape.

#include "report_json.hpp"
#include "report_svg.hpp"
#include "results.hpp"
#include "summary.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace l = chatd::load;

namespace {

// A small run: `base` shifts every figure so two of them differ.
l::run_result sample_run(std::uint64_t base, std::int64_t first_second) {
    l::run_result r;
    r.label = "W3 chatd <step> & co";
    r.protocol = "chatd";
    r.urls = "ws://127.0.0.1:8080/ws";
    r.rooms = "10x20";
    r.connections = 200;
    r.rate = 0.5;
    r.payload = 100;
    r.warmup = 2;
    r.duration = 10;
    r.threads = 2;
    r.processes = 1;
    r.start_unix_ms = first_second * 1000 + 250;
    r.attempted = 100;
    r.connected = 99;
    r.connect_failed = 1;
    r.connect_errors["connect: Connection refused"] = 1;
    for (std::uint64_t v = 1; v <= 100; ++v) r.connect_us.record(100 + v + base);
    r.sent = 1000 + base;
    r.acked = 990 + base;
    r.delivered = 10'000 + base;
    r.backlog = 3;
    for (std::uint64_t v = 1; v <= 1000; ++v) {
        r.delivery_us.record(v * 10 + base);
        r.ack_us.record(v * 12 + base);
    }
    r.errors["rate_limited"] = 2;
    r.disconnects["close 4000 slow consumer"] = 1;
    r.streams = 99;
    r.gaps = 4;
    r.gap_events = 1;
    r.duplicates = 2;
    r.out_of_order = 1;
    r.anomalies.push_back({"room-10-0-1", 12, 4, 2, 1});
    r.cpu_seconds = 1.5;
    r.wall_seconds = 14;
    for (int i = 0; i < 3; ++i) {
        l::second_sample s;
        s.unix_s = first_second + i;
        s.phase = i == 0 ? l::run_phase::warmup : l::run_phase::measure;
        s.sent = 100 + base;
        s.acked = 99;
        s.delivered = 1000;
        s.connected = 99;
        s.cpu_seconds = 0.1;
        l::histogram h;
        for (std::uint64_t v = 1; v <= 50; ++v) h.record(v * 100 + base);
        s.delivery = l::histogram_data::of(h);
        r.timeline.push_back(s);
    }
    return r;
}

l::run_result read_back(const std::string& json) {
    auto r = l::from_json(json);
    if (auto* e = std::get_if<std::string>(&r)) {
        ADD_FAILURE() << *e;
        return {};
    }
    return std::get<l::run_result>(std::move(r));
}

}  // namespace

TEST(report_json, reads_back_what_it_wrote) {
    const auto r = sample_run(0, 1'700'000'000);
    const auto back = read_back(l::to_json(r));
    EXPECT_EQ(back.label, r.label);
    EXPECT_EQ(back.connections, 200u);
    EXPECT_EQ(back.rate, 0.5);
    EXPECT_EQ(back.connected, 99u);
    EXPECT_EQ(back.connect_failed, 1u);
    EXPECT_EQ(back.connect_errors, r.connect_errors);
    EXPECT_EQ(back.sent, r.sent);
    EXPECT_EQ(back.delivered, r.delivered);
    EXPECT_EQ(back.errors, r.errors);
    EXPECT_EQ(back.disconnects, r.disconnects);
    EXPECT_EQ(back.gaps, 4u);
    EXPECT_EQ(back.duplicates, 2u);
    ASSERT_EQ(back.anomalies.size(), 1u);
    EXPECT_EQ(back.anomalies[0].room, "room-10-0-1");
    EXPECT_EQ(back.delivery_us.nonzero_buckets(), r.delivery_us.nonzero_buckets());
    EXPECT_EQ(back.delivery_us.percentile(99), r.delivery_us.percentile(99));
    EXPECT_EQ(back.ack_us.max(), r.ack_us.max());
    ASSERT_EQ(back.timeline.size(), 3u);
    EXPECT_EQ(back.timeline[1].unix_s, 1'700'000'001);
    EXPECT_EQ(back.timeline[1].phase, l::run_phase::measure);
    EXPECT_EQ(back.timeline[1].delivery.buckets, r.timeline[1].delivery.buckets);
    EXPECT_EQ(back.cpu_seconds, 1.5);
}

TEST(report_json, headline_figures_for_the_matrix_script) {
    const auto r = sample_run(0, 1'700'000'000);
    simdjson::dom::parser p;
    const simdjson::padded_string text(l::to_json(r));
    simdjson::dom::element root = p.parse(text);
    EXPECT_DOUBLE_EQ(double(root["delivered_per_sec"]), 1000.0);  // 10000 over 10 s
    EXPECT_DOUBLE_EQ(double(root["sent_per_sec"]), 100.0);
    EXPECT_DOUBLE_EQ(double(root["latency_ms"]["max"]), 10.0);
    EXPECT_GT(double(root["latency_ms"]["p99"]), 9.7);
    EXPECT_EQ(std::uint64_t(root["connections"]["ok"]), 99u);
    EXPECT_EQ(std::uint64_t(root["connections"]["failed"]), 1u);
    EXPECT_EQ(std::uint64_t(root["gaps"]), 4u);
    EXPECT_EQ(std::uint64_t(root["duplicates"]), 2u);
    EXPECT_NEAR(double(root["generator_cpu_percent"]), 10.0, 1e-9);  // 0.1 s per measured second
    EXPECT_EQ(std::uint64_t(root["errors"]["rate_limited"]), 2u);
}

TEST(report_json, refuses_what_it_did_not_write) {
    EXPECT_NE(std::get<std::string>(l::from_json("{")).find("not JSON"), std::string::npos);
    EXPECT_NE(std::get<std::string>(l::from_json(R"({"format":"other"})")).find("not a chatd-load"),
              std::string::npos);
    std::string json = l::to_json(sample_run(0, 1'700'000'000));
    json.replace(json.find("\"counts\""), 8, "\"kounts\"");
    EXPECT_NE(std::get<std::string>(l::from_json(json)).find("counts"), std::string::npos);
}

TEST(merge, processes_add_up_and_seconds_line_up) {
    const auto a = sample_run(0, 1'700'000'000);
    const auto b = sample_run(5, 1'700'000'001);  // started a second later
    l::run_result m;
    l::merge_into(m, read_back(l::to_json(a)));
    l::merge_into(m, read_back(l::to_json(b)));
    EXPECT_EQ(m.processes, 2u);
    EXPECT_EQ(m.label, a.label);
    EXPECT_EQ(m.start_unix_ms, a.start_unix_ms);
    EXPECT_EQ(m.connected, 198u);
    EXPECT_EQ(m.sent, a.sent + b.sent);
    EXPECT_EQ(m.delivered, a.delivered + b.delivered);
    EXPECT_EQ(m.errors.at("rate_limited"), 4u);
    EXPECT_EQ(m.gaps, 8u);
    EXPECT_EQ(m.anomalies.size(), 2u);
    EXPECT_DOUBLE_EQ(m.cpu_seconds, 3.0);
    EXPECT_EQ(m.duration, 10.0);  // the window, not the sum

    l::histogram all = a.delivery_us;
    all.merge(b.delivery_us);
    EXPECT_EQ(m.delivery_us.nonzero_buckets(), all.nonzero_buckets());
    EXPECT_EQ(m.delivery_us.percentile(99.9), all.percentile(99.9));

    // Seconds 0, 1+1, 2+2, 3: four, the middle two summed.
    ASSERT_EQ(m.timeline.size(), 4u);
    EXPECT_EQ(m.timeline[0].sent, 100u);
    EXPECT_EQ(m.timeline[1].sent, 100u + 105u);
    EXPECT_EQ(m.timeline[1].connected, 198u);
    EXPECT_EQ(m.timeline[1].delivery.count, 100u);
    EXPECT_EQ(m.timeline[3].unix_s, 1'700'000'003);
}

TEST(report_svg, a_self_contained_picture) {
    const auto svg = l::to_svg(sample_run(0, 1'700'000'000));
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    EXPECT_NE(svg.find("W3 chatd &lt;step&gt; &amp; co"), std::string::npos);  // the label, escaped
    EXPECT_EQ(svg.find("<step>"), std::string::npos);
    EXPECT_NE(svg.find("Delivery latency"), std::string::npos);
    EXPECT_NE(svg.find("Messages per second"), std::string::npos);
    EXPECT_NE(svg.find(">p99<"), std::string::npos);
    EXPECT_EQ(svg.find("href"), std::string::npos);  // nothing external
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(report_svg, an_idle_run_shows_connections) {
    l::run_result r = sample_run(0, 1'700'000'000);
    r.delivery_us.reset();
    for (auto& s : r.timeline) {
        s.sent = s.acked = s.delivered = 0;
        s.delivery = {};
    }
    const auto svg = l::to_svg(r);
    EXPECT_NE(svg.find("no messages were delivered"), std::string::npos);
    EXPECT_NE(svg.find("Connected connections"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
}

TEST(summary, names_every_figure) {
    const auto s = l::format_summary(sample_run(0, 1'700'000'000));
    for (const char* want : {"99 ok, 1 failed", "delivered 1000/s", "p99.9", "rate_limited x2",
                             "close 4000 slow consumer x1", "4 missing", "2 duplicates", "CPU s"})
        EXPECT_NE(s.find(want), std::string::npos) << want << " in\n" << s;
}
