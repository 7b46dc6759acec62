#include "report_svg.hpp"

#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

namespace chatd::load {

namespace {

constexpr double width = 1000, height = 660;
constexpr double left = 78, right = 36;
constexpr double plot_w = width - left - right;
constexpr double top1 = 112, bottom1 = 352;  // latency panel
constexpr double top2 = 420, bottom2 = 600;  // rate panel

constexpr const char* font = "font-family=\"system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif\"";
constexpr const char* ink = "#1f2933";
constexpr const char* muted = "#616e7c";
constexpr const char* grid = "#e4e7eb";
constexpr const char* c_p50 = "#2f6fde";
constexpr const char* c_p95 = "#e8912d";
constexpr const char* c_p99 = "#d64545";
constexpr const char* c_delivered = "#199473";
constexpr const char* c_sent = "#52606d";

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// A value on the ms axis as its label: "0.5", "2", "100", "1s".
std::string ms_label(double ms) {
    char buf[32];
    if (ms >= 1000) std::snprintf(buf, sizeof buf, "%gs", ms / 1000);
    else std::snprintf(buf, sizeof buf, "%g", ms);
    return buf;
}

// A count on the rate axis: "500", "15k", "1.5M".
std::string count_label(double v) {
    char buf[32];
    if (v >= 1e6) std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
    else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
    else std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string text(double x, double y, std::string_view s, const char* anchor = "start", int size = 12,
                 const char* color = ink, const char* weight = "normal") {
    return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
           std::to_string(size) + "\" font-weight=\"" + weight + "\" fill=\"" + color + "\">" + escape(s) +
           "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const char* color, double w = 1,
                 const char* extra = "") {
    return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\" stroke=\"" + color + "\" stroke-width=\"" + num(w) + "\" " + extra + "/>\n";
}

// 1-2-5 steps: the smallest "nice" step giving at most `n` intervals up to max.
double nice_step(double max, int n) {
    if (max <= 0) return 1;
    const double raw = max / n;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) return m * mag;
    return 10 * mag;
}

struct second_point {
    double t;  // seconds from the start, middle of the second
    std::optional<double> p50, p95, p99;  // ms
    double delivered, sent, connected;
};

}  // namespace

std::string to_svg(const run_result& r) {
    std::vector<second_point> pts;
    const double start_s = double(r.start_unix_ms) / 1000.0;
    double t_max = 1;
    for (const auto& s : r.timeline) {
        second_point p{double(s.unix_s) + 0.5 - start_s, {}, {}, {}, double(s.delivered), double(s.sent),
                       double(s.connected)};
        histogram h;
        s.delivery.into(h);
        if (h.count() > 0) {
            p.p50 = double(h.percentile(50)) / 1000.0;
            p.p95 = double(h.percentile(95)) / 1000.0;
            p.p99 = double(h.percentile(99)) / 1000.0;
        }
        t_max = std::max(t_max, p.t + 0.5);
        pts.push_back(p);
    }
    auto x_of = [&](double t) { return left + std::clamp(t / t_max, 0.0, 1.0) * plot_w; };

    std::string svg;
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
           "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" " + font + ">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";

    // Title and the figures that matter.
    const auto& d = r.delivery_us;
    std::string title = "chatd-load";
    if (!r.label.empty()) title += ": " + r.label;
    svg += text(left, 34, title, "start", 20, ink, "600");
    std::string fig1 = std::to_string(r.connected) + "/" + std::to_string(r.attempted) + " connected · " + r.protocol +
                       " · " + (r.rooms.empty() ? std::string("no rooms (idle)") : "rooms " + r.rooms) + " · " +
                       (r.rate > 0 ? human_count(r.rate) + " msg/s per sender · " + std::to_string(r.payload) + " B"
                                   : std::string("no messages"));
    if (r.processes > 1) fig1 += " · " + std::to_string(r.processes) + " processes";
    svg += text(left, 56, fig1, "start", 13, muted);
    std::string fig2 =
        d.count() > 0
            ? "delivered " + human_count(r.per_second(r.delivered)) + "/s · delivery p50 " + human_us(d.percentile(50)) +
                  ", p99 " + human_us(d.percentile(99)) + ", max " + human_us(d.max()) + " · ack p99 " +
                  human_us(r.ack_us.percentile(99)) + " · " + std::to_string(r.gaps) + " gaps, " +
                  std::to_string(r.duplicates) + " duplicates"
            : "connect+upgrade p50 " + human_us(r.connect_us.percentile(50)) + ", p99 " +
                  human_us(r.connect_us.percentile(99)) + ", max " + human_us(r.connect_us.max()) + " · " +
                  std::to_string(r.connect_failed) + " failed";
    fig2 += " · generator " + human_count(std::round(measured_cpu_percent(r))) + "% CPU";
    std::uint64_t errors = 0, disconnects = 0;
    for (const auto& [k, n] : r.errors) errors += n;
    for (const auto& [k, n] : r.disconnects) disconnects += n;
    if (errors + disconnects > 0)
        fig2 += " · " + std::to_string(errors) + " errors, " + std::to_string(disconnects) + " disconnects";
    svg += text(left, 76, fig2, "start", 13, ink);

    // Phases: shade what is not measured, in both panels; their names go on
    // top of the lines, drawn last.
    std::string phase_names;
    for (std::size_t i = 0; i < r.timeline.size();) {
        const run_phase ph = r.timeline[i].phase;
        std::size_t j = i;
        while (j < r.timeline.size() && r.timeline[j].phase == ph) ++j;
        if (ph != run_phase::measure) {
            const double x1 = x_of(pts[i].t - 0.5), x2 = x_of(pts[j - 1].t + 0.5);
            for (auto [a, b] : {std::pair{top1, bottom1}, std::pair{top2, bottom2}})
                svg += "<rect x=\"" + num(x1) + "\" y=\"" + num(a) + "\" width=\"" + num(x2 - x1) + "\" height=\"" +
                       num(b - a) + "\" fill=\"" + (ph == run_phase::ramp ? "#edf1f6" : "#f5f7fa") + "\"/>\n";
            if (x2 - x1 > 40)  // a white halo keeps the name readable over the lines
                phase_names += "<text x=\"" + num((x1 + x2) / 2) + "\" y=\"" + num(top1 + 14) +
                       "\" text-anchor=\"middle\" font-size=\"11\" fill=\"" + muted +
                       "\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">" +
                       (ph == run_phase::warmup ? "warm-up" : to_string(ph)) + "</text>\n";
        }
        i = j;
    }

    // ---- latency panel (log axis) ----
    double lo = 1e18, hi = 0;
    for (const auto& p : pts) {
        if (p.p50) lo = std::min(lo, *p.p50);
        if (p.p99) hi = std::max(hi, *p.p99);
    }
    svg += text(left, top1 - 12, "Delivery latency per second (ms, log scale)", "start", 13, ink, "600");
    if (hi <= 0) {
        svg += text(left + plot_w / 2, (top1 + bottom1) / 2, "no messages were delivered", "middle", 13, muted);
    } else {
        // Decades with 1-2-5 ticks, covering lo..hi with a margin.
        double y_lo = std::pow(10.0, std::floor(std::log10(std::max(lo, 0.001))));
        double y_hi = std::pow(10.0, std::ceil(std::log10(std::max(hi, y_lo * 10))));
        for (double m : {5.0, 2.0})  // tighten when the data leaves room
            if (y_lo * m <= lo) { y_lo *= m; break; }
        for (double m : {0.2, 0.5})
            if (y_hi * m >= hi * 1.05) { y_hi *= m; break; }
        const double l0 = std::log10(y_lo), l1 = std::log10(y_hi);
        auto y_of = [&](double ms) {
            return bottom1 - (std::log10(std::clamp(ms, y_lo, y_hi)) - l0) / (l1 - l0) * (bottom1 - top1);
        };
        for (double dec = std::pow(10.0, std::floor(l0)); dec <= y_hi * 1.0001; dec *= 10)
            for (double m : {1.0, 2.0, 5.0}) {
                const double v = dec * m;
                if (v < y_lo * 0.9999 || v > y_hi * 1.0001) continue;
                svg += line(left, y_of(v), left + plot_w, y_of(v), grid);
                svg += text(left - 8, y_of(v) + 4, ms_label(v), "end", 11, muted);
            }
        // One path per percentile; a second with no deliveries breaks it.
        auto series = [&](std::optional<double> second_point::*field, const char* color, double w) {
            std::string path;
            bool pen = false;
            for (const auto& p : pts) {
                if (!(p.*field)) {
                    pen = false;
                    continue;
                }
                path += (pen ? " L" : " M") + num(x_of(p.t)) + " " + num(y_of(*(p.*field)));
                pen = true;
            }
            svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" + num(w) +
                   "\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n";
        };
        series(&second_point::p99, c_p99, 1.8);
        series(&second_point::p95, c_p95, 1.8);
        series(&second_point::p50, c_p50, 2.2);
        // Legend, top right.
        double lx = left + plot_w - 190;
        for (auto [name, color] : {std::pair{"p50", c_p50}, std::pair{"p95", c_p95}, std::pair{"p99", c_p99}}) {
            svg += line(lx, top1 - 16, lx + 18, top1 - 16, color, 3);
            svg += text(lx + 23, top1 - 12, name, "start", 12, ink);
            lx += 62;
        }
    }
    svg += line(left, bottom1, left + plot_w, bottom1, muted);
    svg += line(left, top1, left, bottom1, muted);
    svg += phase_names;

    // ---- rate panel (linear) ----
    bool any_delivered = false;
    double r_max = 0;
    for (const auto& p : pts) {
        any_delivered = any_delivered || p.delivered > 0 || p.sent > 0;
        r_max = std::max({r_max, p.delivered, p.sent});
    }
    if (!any_delivered)
        for (const auto& p : pts) r_max = std::max(r_max, p.connected);
    const double step = nice_step(std::max(r_max, 1.0), 4);
    const double y_top = std::max(step, std::ceil(r_max * 1.05 / step) * step);
    auto y2 = [&](double v) { return bottom2 - std::clamp(v / y_top, 0.0, 1.0) * (bottom2 - top2); };
    svg += text(left, top2 - 12,
                any_delivered ? "Messages per second (all receivers)" : "Connected connections (no messages flowed)",
                "start", 13, ink, "600");
    for (double v = 0; v <= y_top * 1.0001; v += step) {
        svg += line(left, y2(v), left + plot_w, y2(v), grid);
        svg += text(left - 8, y2(v) + 4, count_label(v), "end", 11, muted);
    }
    if (!pts.empty()) {
        auto value = [&](const second_point& p) { return any_delivered ? p.delivered : p.connected; };
        std::string area = "M" + num(x_of(pts.front().t)) + " " + num(y2(0));
        std::string top;
        for (const auto& p : pts) {
            area += " L" + num(x_of(p.t)) + " " + num(y2(value(p)));
            top += (top.empty() ? "M" : " L") + num(x_of(p.t)) + " " + num(y2(value(p)));
        }
        area += " L" + num(x_of(pts.back().t)) + " " + num(y2(0)) + " Z";
        svg += "<path d=\"" + area + "\" fill=\"" + c_delivered + "\" fill-opacity=\"0.18\"/>\n";
        svg += "<path d=\"" + top + "\" fill=\"none\" stroke=\"" + c_delivered +
               "\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n";
        if (any_delivered) {
            std::string sent;
            for (const auto& p : pts) sent += (sent.empty() ? "M" : " L") + num(x_of(p.t)) + " " + num(y2(p.sent));
            svg += "<path d=\"" + sent + "\" fill=\"none\" stroke=\"" + c_sent +
                   "\" stroke-width=\"1.4\" stroke-dasharray=\"5 4\"/>\n";
            const double lx = left + plot_w - 190;
            svg += line(lx, top2 - 16, lx + 18, top2 - 16, c_delivered, 3);
            svg += text(lx + 23, top2 - 12, "delivered", "start", 12, ink);
            svg += line(lx + 100, top2 - 16, lx + 118, top2 - 16, c_sent, 1.6, "stroke-dasharray=\"5 4\"");
            svg += text(lx + 123, top2 - 12, "sent", "start", 12, ink);
        }
    }
    svg += line(left, bottom2, left + plot_w, bottom2, muted);
    svg += line(left, top2, left, bottom2, muted);

    // Time axis under both panels.
    const double t_step = nice_step(t_max, 10);
    for (double t = 0; t <= t_max + 1e-9; t += t_step) {
        svg += line(x_of(t), bottom1, x_of(t), bottom1 + 4, muted);
        svg += line(x_of(t), bottom2, x_of(t), bottom2 + 4, muted);
        char label[32];
        std::snprintf(label, sizeof label, "%gs", t);
        svg += text(x_of(t), bottom2 + 18, label, "middle", 11, muted);
    }
    svg += text(left + plot_w / 2, bottom2 + 40, "seconds since start", "middle", 12, muted);
    svg += "</svg>\n";
    return svg;
}

}  // namespace chatd::load
