#include "report_json.hpp"

#include "json_out.hpp"

#include <simdjson.h>

#include <limits>

namespace chatd::load {

namespace {

constexpr std::string_view format_name = "chatd-load/1";

double ms(std::uint64_t us) { return double(us) / 1000.0; }

void write_histogram(json_out& j, std::string_view key, const histogram_data& h) {
    j.begin_object(key);
    j.field("count", h.count);
    j.field("min", h.min);
    j.field("max", h.max);
    j.field("sum", h.sum);
    j.field("overflow", h.overflow);
    j.begin_inline_array("buckets");
    for (const auto& [index, n] : h.buckets) {
        j.begin_inline_array();
        j.value(index);
        j.value(n);
        j.end_array();
    }
    j.end_array();
    j.end_object();
}

void write_percentiles_ms(json_out& j, std::string_view key, const histogram& h) {
    j.begin_object(key);
    j.field("count", h.count());
    j.field("p50", ms(h.percentile(50)));
    j.field("p90", ms(h.percentile(90)));
    j.field("p95", ms(h.percentile(95)));
    j.field("p99", ms(h.percentile(99)));
    j.field("p999", ms(h.percentile(99.9)));
    j.field("max", ms(h.max()));
    j.field("mean", h.mean() / 1000.0);
    j.end_object();
}

void write_counts(json_out& j, std::string_view key, const std::map<std::string, std::uint64_t>& m) {
    j.begin_object(key);
    for (const auto& [k, n] : m) j.field(k, n);
    j.end_object();
}

}  // namespace

std::string to_json(const run_result& r) {
    json_out j;
    j.begin_object();
    j.field("format", format_name);
    j.field("label", r.label);
    j.field("protocol", r.protocol);
    j.field("urls", r.urls);
    j.field("rooms", r.rooms);
    j.field("planned_connections", r.connections);
    j.field("rate", r.rate);
    j.field("payload", r.payload);
    j.field("warmup", r.warmup);
    j.field("duration", r.duration);
    j.field("threads", r.threads);
    j.field("processes", r.processes);
    j.field("start_unix_ms", r.start_unix_ms);

    // The headline figures (what scripts/bench-load.sh reads). Derived from
    // the counts and histograms below; not read back.
    j.field("delivered_per_sec", r.per_second(r.delivered));
    j.field("sent_per_sec", r.per_second(r.sent));
    j.field("acked_per_sec", r.per_second(r.acked));
    write_percentiles_ms(j, "latency_ms", r.delivery_us);
    write_percentiles_ms(j, "ack_latency_ms", r.ack_us);
    write_percentiles_ms(j, "connect_ms", r.connect_us);
    j.begin_object("connections");
    j.field("planned", r.connections);
    j.field("attempted", r.attempted);
    j.field("ok", r.connected);
    j.field("failed", r.connect_failed);
    j.end_object();
    j.field("gaps", r.gaps);
    j.field("duplicates", r.duplicates);
    j.field("generator_cpu_percent", measured_cpu_percent(r));

    j.begin_object("counts");
    j.field("sent", r.sent);
    j.field("acked", r.acked);
    j.field("delivered", r.delivered);
    j.field("backlog", r.backlog);
    j.end_object();
    write_counts(j, "connect_errors", r.connect_errors);
    write_counts(j, "errors", r.errors);
    write_counts(j, "disconnects", r.disconnects);

    j.begin_object("sequence");
    j.field("streams", r.streams);
    j.field("gaps", r.gaps);
    j.field("gap_events", r.gap_events);
    j.field("duplicates", r.duplicates);
    j.field("out_of_order", r.out_of_order);
    j.begin_array("anomalies");
    for (const auto& a : r.anomalies) {
        j.begin_object();
        j.field("room", a.room);
        j.field("receiver", a.receiver);
        j.field("gaps", a.gaps);
        j.field("duplicates", a.duplicates);
        j.field("out_of_order", a.out_of_order);
        j.end_object();
    }
    j.end_array();
    j.end_object();

    j.begin_object("generator");
    j.field("cpu_seconds", r.cpu_seconds);
    j.field("wall_seconds", r.wall_seconds);
    j.end_object();

    j.begin_object("histograms");
    j.field("layout", histogram::layout);
    j.field("unit", "us");
    write_histogram(j, "connect", histogram_data::of(r.connect_us));
    write_histogram(j, "delivery", histogram_data::of(r.delivery_us));
    write_histogram(j, "ack", histogram_data::of(r.ack_us));
    j.end_object();

    j.begin_array("timeline");
    for (const auto& s : r.timeline) {
        histogram h;
        s.delivery.into(h);
        j.begin_object();
        j.field("unix_s", s.unix_s);
        j.field("t", double(s.unix_s * 1000 - r.start_unix_ms) / 1000.0);
        j.field("phase", to_string(s.phase));
        j.field("sent", s.sent);
        j.field("acked", s.acked);
        j.field("delivered", s.delivered);
        j.field("errors", s.errors);
        j.field("disconnects", s.disconnects);
        j.field("backlog", s.backlog);
        j.field("connects", s.connects);
        j.field("connect_failures", s.connect_failures);
        j.field("connected", s.connected);
        j.field("cpu_seconds", s.cpu_seconds);
        j.field("delivery_p50_ms", ms(h.percentile(50)));
        j.field("delivery_p95_ms", ms(h.percentile(95)));
        j.field("delivery_p99_ms", ms(h.percentile(99)));
        write_histogram(j, "delivery", s.delivery);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    return std::move(j).take();
}

// ---- reading ------------------------------------------------------------------

namespace {

// Reads fields, remembering the first one that was missing or wrong.
struct reader {
    std::string error;

    void fail(std::string_view where) {
        if (error.empty()) error = std::string(where);
    }
    template <class T>
    void get(simdjson::dom::element e, std::string_view key, T& out) {
        if constexpr (std::is_same_v<T, std::string>) {
            std::string_view s;
            if (e[key].get(s) != simdjson::SUCCESS) return fail(key);
            out = std::string(s);
        } else if constexpr (std::is_same_v<T, double>) {
            if (e[key].get(out) != simdjson::SUCCESS) return fail(key);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
            if (e[key].get(out) != simdjson::SUCCESS) return fail(key);
        } else {
            std::uint64_t v = 0;
            if (e[key].get(v) != simdjson::SUCCESS || v > std::numeric_limits<T>::max()) return fail(key);
            out = T(v);
        }
    }
    simdjson::dom::element child(simdjson::dom::element e, std::string_view key) {
        simdjson::dom::element c;
        if (e[key].get(c) != simdjson::SUCCESS) fail(key);
        return c;
    }
    void histo(simdjson::dom::element e, std::string_view key, histogram_data& h) {
        simdjson::dom::element x;
        if (e[key].get(x) != simdjson::SUCCESS) return fail(key);
        get(x, "count", h.count);
        get(x, "min", h.min);
        get(x, "max", h.max);
        get(x, "sum", h.sum);
        get(x, "overflow", h.overflow);
        simdjson::dom::array buckets;
        if (x["buckets"].get(buckets) != simdjson::SUCCESS) return fail(std::string(key) + ".buckets");
        for (simdjson::dom::element b : buckets) {
            std::uint64_t index = 0, n = 0;
            if (b.at(0).get(index) != simdjson::SUCCESS || b.at(1).get(n) != simdjson::SUCCESS ||
                index >= histogram::bucket_count)
                return fail(std::string(key) + ".buckets");
            h.buckets.emplace_back(std::uint32_t(index), n);
        }
        histogram check;
        if (!h.into(check)) fail(std::string(key) + " (its buckets do not add up)");
    }
    void histo(simdjson::dom::element e, std::string_view key, histogram& out) {
        histogram_data h;
        histo(e, key, h);
        if (error.empty()) h.into(out);
    }
    void counts(simdjson::dom::element e, std::string_view key, std::map<std::string, std::uint64_t>& out) {
        simdjson::dom::object o;
        if (e[key].get(o) != simdjson::SUCCESS) return fail(key);
        for (auto [k, v] : o) {
            std::uint64_t n = 0;
            if (v.get(n) != simdjson::SUCCESS) return fail(std::string(key) + "." + std::string(k));
            out[std::string(k)] += n;
        }
    }
};

run_phase phase_of(std::string_view s) {
    if (s == "warmup") return run_phase::warmup;
    if (s == "measure") return run_phase::measure;
    if (s == "drain") return run_phase::drain;
    return run_phase::ramp;
}

}  // namespace

std::variant<run_result, std::string> from_json(std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto e = parser.parse(text.data(), text.size()).get(root); e != simdjson::SUCCESS)
        return std::string("not JSON: ") + simdjson::error_message(e);
    std::string_view format;
    if (root["format"].get(format) != simdjson::SUCCESS || format != format_name)
        return std::string("not a chatd-load results file (\"format\" is not \"") + std::string(format_name) + "\")";
    run_result r;
    reader rd;
    rd.get(root, "label", r.label);
    rd.get(root, "protocol", r.protocol);
    rd.get(root, "urls", r.urls);
    rd.get(root, "rooms", r.rooms);
    rd.get(root, "planned_connections", r.connections);
    rd.get(root, "rate", r.rate);
    rd.get(root, "payload", r.payload);
    rd.get(root, "warmup", r.warmup);
    rd.get(root, "duration", r.duration);
    rd.get(root, "threads", r.threads);
    rd.get(root, "processes", r.processes);
    rd.get(root, "start_unix_ms", r.start_unix_ms);

    const auto conns = rd.child(root, "connections");
    const auto counts = rd.child(root, "counts");
    if (!rd.error.empty()) return "missing or wrong field: " + rd.error;
    rd.get(conns, "attempted", r.attempted);
    rd.get(conns, "ok", r.connected);
    rd.get(conns, "failed", r.connect_failed);
    rd.get(counts, "sent", r.sent);
    rd.get(counts, "acked", r.acked);
    rd.get(counts, "delivered", r.delivered);
    rd.get(counts, "backlog", r.backlog);
    rd.counts(root, "connect_errors", r.connect_errors);
    rd.counts(root, "errors", r.errors);
    rd.counts(root, "disconnects", r.disconnects);

    const auto seq = rd.child(root, "sequence");
    if (!rd.error.empty()) return "missing or wrong field: " + rd.error;
    rd.get(seq, "streams", r.streams);
    rd.get(seq, "gaps", r.gaps);
    rd.get(seq, "gap_events", r.gap_events);
    rd.get(seq, "duplicates", r.duplicates);
    rd.get(seq, "out_of_order", r.out_of_order);
    simdjson::dom::array anomalies;
    if (seq["anomalies"].get(anomalies) != simdjson::SUCCESS) rd.fail("sequence.anomalies");
    else
        for (simdjson::dom::element a : anomalies) {
            stream_anomaly x;
            rd.get(a, "room", x.room);
            rd.get(a, "receiver", x.receiver);
            rd.get(a, "gaps", x.gaps);
            rd.get(a, "duplicates", x.duplicates);
            rd.get(a, "out_of_order", x.out_of_order);
            r.anomalies.push_back(std::move(x));
        }

    const auto gen = rd.child(root, "generator");
    if (!rd.error.empty()) return "missing or wrong field: " + rd.error;
    rd.get(gen, "cpu_seconds", r.cpu_seconds);
    rd.get(gen, "wall_seconds", r.wall_seconds);

    const auto hs = rd.child(root, "histograms");
    if (!rd.error.empty()) return "missing or wrong field: " + rd.error;
    std::string_view layout;
    if (hs["layout"].get(layout) != simdjson::SUCCESS || layout != histogram::layout)
        return std::string("histograms of another layout (this build reads \"") + histogram::layout + "\")";
    rd.histo(hs, "connect", r.connect_us);
    rd.histo(hs, "delivery", r.delivery_us);
    rd.histo(hs, "ack", r.ack_us);

    simdjson::dom::array timeline;
    if (root["timeline"].get(timeline) != simdjson::SUCCESS) rd.fail("timeline");
    else
        for (simdjson::dom::element e : timeline) {
            second_sample s;
            std::string phase;
            rd.get(e, "unix_s", s.unix_s);
            rd.get(e, "phase", phase);
            s.phase = phase_of(phase);
            rd.get(e, "sent", s.sent);
            rd.get(e, "acked", s.acked);
            rd.get(e, "delivered", s.delivered);
            rd.get(e, "errors", s.errors);
            rd.get(e, "disconnects", s.disconnects);
            rd.get(e, "backlog", s.backlog);
            rd.get(e, "connects", s.connects);
            rd.get(e, "connect_failures", s.connect_failures);
            rd.get(e, "connected", s.connected);
            rd.get(e, "cpu_seconds", s.cpu_seconds);
            rd.histo(e, "delivery", s.delivery);
            if (!rd.error.empty()) break;
            r.timeline.push_back(std::move(s));
        }
    if (!rd.error.empty()) return "missing or wrong field: " + rd.error;
    return r;
}

}  // namespace chatd::load
