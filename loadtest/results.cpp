#include "results.hpp"

#include <algorithm>

namespace chatd::load {

histogram_data histogram_data::of(const histogram& h) {
    return {h.nonzero_buckets(), h.count(), h.min(), h.max(), h.sum(), h.overflow()};
}

bool histogram_data::into(histogram& h) const { return h.restore(buckets, count, min, max, sum, overflow); }

const char* to_string(run_phase p) noexcept {
    switch (p) {
        case run_phase::ramp: return "ramp";
        case run_phase::warmup: return "warmup";
        case run_phase::measure: return "measure";
        case run_phase::drain: return "drain";
    }
    return "?";
}

double measured_cpu_percent(const run_result& r) noexcept {
    double cpu = 0;
    std::size_t seconds = 0;
    for (const auto& s : r.timeline)
        if (s.phase == run_phase::measure) {
            cpu += s.cpu_seconds;
            ++seconds;
        }
    if (seconds > 0) return 100.0 * cpu / double(seconds);
    return r.wall_seconds > 0 ? 100.0 * r.cpu_seconds / r.wall_seconds : 0.0;
}

namespace {

void add(histogram_data& a, const histogram_data& b) {
    histogram ha, hb;
    a.into(ha);
    b.into(hb);
    ha.merge(hb);
    a = histogram_data::of(ha);
}

void add(second_sample& a, const second_sample& b) {
    a.phase = std::max(a.phase, b.phase);
    a.sent += b.sent;
    a.acked += b.acked;
    a.delivered += b.delivered;
    a.errors += b.errors;
    a.disconnects += b.disconnects;
    a.backlog += b.backlog;
    a.connects += b.connects;
    a.connect_failures += b.connect_failures;
    a.connected += b.connected;
    a.cpu_seconds += b.cpu_seconds;
    add(a.delivery, b.delivery);
}

}  // namespace

void merge_into(run_result& a, const run_result& b) {
    if (a.label.empty()) a.label = b.label;
    if (a.processes == 0) {  // merging into an empty result: take the description
        a.protocol = b.protocol;
        a.urls = b.urls;
        a.rooms = b.rooms;
        a.connections = b.connections;
        a.rate = b.rate;
        a.payload = b.payload;
        a.warmup = b.warmup;
        a.duration = b.duration;
        a.threads = b.threads;
        a.start_unix_ms = b.start_unix_ms;
    }
    if (b.processes > 0) {  // a run's result (a shard's counts have no start or duration)
        a.start_unix_ms = std::min(a.start_unix_ms, b.start_unix_ms);
        a.duration = std::max(a.duration, b.duration);
    }
    a.processes += b.processes;

    a.attempted += b.attempted;
    a.connected += b.connected;
    a.connect_failed += b.connect_failed;
    a.connect_us.merge(b.connect_us);
    for (const auto& [k, n] : b.connect_errors) a.connect_errors[k] += n;
    a.sent += b.sent;
    a.acked += b.acked;
    a.delivered += b.delivered;
    a.backlog += b.backlog;
    a.delivery_us.merge(b.delivery_us);
    a.ack_us.merge(b.ack_us);
    for (const auto& [k, n] : b.errors) a.errors[k] += n;
    for (const auto& [k, n] : b.disconnects) a.disconnects[k] += n;
    a.streams += b.streams;
    a.gaps += b.gaps;
    a.gap_events += b.gap_events;
    a.duplicates += b.duplicates;
    a.out_of_order += b.out_of_order;
    for (const auto& x : b.anomalies)
        if (a.anomalies.size() < run_result::max_anomalies) a.anomalies.push_back(x);
    a.cpu_seconds += b.cpu_seconds;
    a.wall_seconds = std::max(a.wall_seconds, b.wall_seconds);

    // Seconds, matched by wall clock; both timelines are in order.
    std::vector<second_sample> out;
    out.reserve(a.timeline.size() + b.timeline.size());
    auto i = a.timeline.begin();
    auto j = b.timeline.begin();
    while (i != a.timeline.end() || j != b.timeline.end()) {
        if (j == b.timeline.end() || (i != a.timeline.end() && i->unix_s < j->unix_s)) {
            out.push_back(std::move(*i++));
        } else if (i == a.timeline.end() || j->unix_s < i->unix_s) {
            out.push_back(*j++);
        } else {
            out.push_back(std::move(*i++));
            add(out.back(), *j++);
        }
    }
    a.timeline = std::move(out);
}

}  // namespace chatd::load
