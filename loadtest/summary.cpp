#include "summary.hpp"

#include <cstdio>

namespace chatd::load {

namespace {

// v with `decimals` digits after the point.
std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string by_reason(const std::map<std::string, std::uint64_t>& m) {
    if (m.empty()) return "none";
    std::string s;
    for (const auto& [k, n] : m) {
        if (!s.empty()) s += ", ";
        s += k + " x" + std::to_string(n);
    }
    return s;
}

}  // namespace

std::string human_count(double n) {
    if (n < 10'000) return fixed(n, n == double(std::uint64_t(n)) ? 0 : 1);
    if (n < 1e6) return fixed(n / 1e3, 1) + "k";
    return fixed(n / 1e6, 2) + "M";
}

std::string human_us(std::uint64_t us) {
    if (us < 1000) return std::to_string(us) + "us";
    if (us < 1'000'000) return fixed(double(us) / 1e3, us < 100'000 ? 2 : 1) + "ms";
    return fixed(double(us) / 1e6, 2) + "s";
}

std::string format_summary(const run_result& r) {
    const auto& d = r.delivery_us;
    const auto& a = r.ack_us;
    const auto& c = r.connect_us;
    std::string s;
    s += "== chatd-load " + (r.label.empty() ? std::string("run") : r.label) + " (" + r.protocol + ", " + r.urls +
         (r.processes > 1 ? ", " + std::to_string(r.processes) + " processes" : std::string()) + ")\n";
    s += "connections   " + std::to_string(r.connected) + " ok, " + std::to_string(r.connect_failed) + " failed of " +
         std::to_string(r.attempted) + " attempted; connect+handshake p50 " + human_us(c.percentile(50)) + ", p99 " +
         human_us(c.percentile(99)) + ", max " + human_us(c.max()) + "\n";
    if (!r.connect_errors.empty()) s += "connect fails " + by_reason(r.connect_errors) + "\n";
    s += "messages      over " + fixed(r.duration, 1) + " s measured: sent " + human_count(r.per_second(r.sent)) +
         "/s, acked " + human_count(r.per_second(r.acked)) + "/s, delivered " +
         human_count(r.per_second(r.delivered)) + "/s (" + std::to_string(r.sent) + " sent, " +
         std::to_string(r.acked) + " acked, " + std::to_string(r.delivered) + " delivered)\n";
    if (d.count() == 0) {
        s += "delivery      no line sent in the measured window was received\n";
    } else {
        s += "delivery      p50 " + human_us(d.percentile(50)) + "  p95 " + human_us(d.percentile(95)) + "  p99 " +
             human_us(d.percentile(99)) + "  p99.9 " + human_us(d.percentile(99.9)) + "  max " + human_us(d.max()) +
             "  (" + std::to_string(d.count()) + " samples)\n";
    }
    if (a.count() == 0) {
        s += "ack           no line sent in the measured window was acked\n";
    } else {
        s += "ack           p50 " + human_us(a.percentile(50)) + "  p99 " + human_us(a.percentile(99)) + "  max " +
             human_us(a.max()) + "\n";
    }
    s += "errors        " + by_reason(r.errors) + "\n";
    s += "disconnects   " + by_reason(r.disconnects) + "\n";
    s += "sequence      " + std::to_string(r.gaps) + " missing in " + std::to_string(r.gap_events) + " gaps, " +
         std::to_string(r.duplicates) + " duplicates, " + std::to_string(r.out_of_order) + " out of order over " +
         std::to_string(r.streams) + " (receiver, room) streams\n";
    if (r.backlog > 0)
        s += "backlog       " + std::to_string(r.backlog) +
             " sends skipped: connections could not keep up (the generator or the server is saturated)\n";
    const double pct = r.wall_seconds > 0 ? 100.0 * r.cpu_seconds / r.wall_seconds : 0.0;
    s += "generator     " + fixed(r.cpu_seconds, 1) + " CPU s over " + fixed(r.wall_seconds, 1) + " s (" +
         fixed(pct, 0) + "% of one core; " + fixed(measured_cpu_percent(r), 0) + "% while measuring; " +
         std::to_string(r.threads) + " threads)\n";
    if (measured_cpu_percent(r) >= 90.0 * r.threads)
        s += "WARNING       the generator's threads were nearly saturated: its figures may measure itself\n";
    return s;
}

std::string format_progress(const progress_view& v) {
    char head[48];
    std::snprintf(head, sizeof head, "%5.0fs %-7s", v.elapsed_s, to_string(v.phase));
    std::string s = head;
    s += " conn " + std::to_string(v.connected) + "/" + std::to_string(v.planned);
    if (v.failed > 0) s += " (" + std::to_string(v.failed) + " failed)";
    if (v.second != nullptr) {
        histogram h;
        v.second->delivery.into(h);
        s += "  sent " + human_count(double(v.second->sent)) + "/s  ack " + human_count(double(v.second->acked)) +
             "/s  dlv " + human_count(double(v.second->delivered)) + "/s";
        if (h.count() > 0) s += "  p50 " + human_us(h.percentile(50)) + " p99 " + human_us(h.percentile(99));
    }
    s += "  err " + std::to_string(v.errors) + "  disc " + std::to_string(v.disconnects);
    if (v.gaps + v.duplicates > 0) s += "  gaps " + std::to_string(v.gaps) + " dup " + std::to_string(v.duplicates);
    s += "  cpu " + fixed(v.cpu_percent, 0) + "%";
    return s;
}

}  // namespace chatd::load
