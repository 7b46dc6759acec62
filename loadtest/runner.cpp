#include "runner.hpp"

#include "cpu_usage.hpp"
#include "output_files.hpp"
#include "room_plan.hpp"
#include "run_plan.hpp"
#include "shard.hpp"
#include "summary.hpp"

#include <utility>  // before Boost (docs/architecture.md)

#include <boost/asio/ip/tcp.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace chatd::load {

namespace {

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_signal(int) { interrupted = 1; }

using wall = std::chrono::system_clock;
using seconds_d = std::chrono::duration<double>;

// Raises the open-file limit to its hard limit; returns the limit now in force.
rlim_t raise_nofile() {
    rlimit l{};
    if (getrlimit(RLIMIT_NOFILE, &l) != 0) return 0;
    if (l.rlim_cur < l.rlim_max) {
        l.rlim_cur = l.rlim_max;
        setrlimit(RLIMIT_NOFILE, &l);
        getrlimit(RLIMIT_NOFILE, &l);
    }
    return l.rlim_cur;
}

// Resolves every URL once, before anything connects. False with a message
// when one does not resolve.
bool resolve(const std::vector<ws_url>& urls, std::vector<target_info>& out) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    for (const auto& u : urls) {
        boost::system::error_code ec;
        const auto results = resolver.resolve(u.host, std::to_string(u.port), ec);
        if (ec || results.empty()) {
            std::cerr << "chatd-load: cannot resolve " << u.host << ": " << ec.message() << "\n";
            return false;
        }
        // An IPv4 address when there is one: the source addresses are IPv4.
        auto pick = results.begin()->endpoint();
        for (const auto& r : results)
            if (r.endpoint().address().is_v4()) {
                pick = r.endpoint();
                break;
            }
        const bool default_port = u.text.find(":" + std::to_string(u.port)) == std::string::npos;
        out.push_back({pick.address().to_string(), u.port, default_port ? u.host : u.host + ":" + std::to_string(u.port),
                       u.target});
    }
    return true;
}

std::string describe_rooms(const std::vector<room_group>& rooms) {
    std::string s;
    for (const auto& g : rooms) {
        if (!s.empty()) s += ',';
        s += std::to_string(g.size) + "x" + std::to_string(g.count);
    }
    return s;
}

// Waits for every future, however long the shards take (each answers within
// one turn of its thread).
template <class T>
std::vector<T> gather(std::vector<std::future<T>>& fs) {
    std::vector<T> out;
    for (auto& f : fs) out.push_back(f.get());
    return out;
}

}  // namespace

int run_load(const run_options& o) {
    const auto process_start = steady::now();
    const double cpu_start = process_cpu_seconds();
    const rlim_t nofile = raise_nofile();

    const auto speaker = make_adapter(o.protocol);
    run_plan plan;
    plan.speaker = speaker.get();
    plan.sources = o.sources;
    plan.payload = o.payload;
    // The server keeps client_ids (per user) to drop resent lines: a rerun
    // under the same user names must not look like a resend.
    {
        char tag[40];
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall::now().time_since_epoch()).count();
        std::snprintf(tag, sizeof tag, "c%llx%x", static_cast<unsigned long long>(ms), unsigned(getpid()) & 0xfff);
        plan.run_tag = tag;
    }
    plan.rate = o.rate;
    if (!resolve(o.urls, plan.targets)) return 1;

    // This process's connections, in global index order.
    const room_plan rooms(o.rooms, o.senders);
    std::vector<std::uint32_t> mine;
    for (std::uint32_t i = 0; i < o.connections; ++i)
        if (room_plan::owns(i, o.process_index, o.process_count)) mine.push_back(i);
    if (mine.empty()) {
        std::cerr << "chatd-load: process " << o.process_index + 1 << "/" << o.process_count << " has no connections of "
                  << o.connections << "\n";
        return 2;
    }
    if (nofile != 0 && mine.size() + 64 > nofile)
        std::cerr << "chatd-load: warning: " << mine.size() << " connections but only " << nofile
                  << " open files allowed; the rest will fail\n";

    // The schedule, the same for every process of the run: the ramp (at the
    // run's total rate), the warm-up, the measured window.
    const double ramp_s = o.ramp > 0 ? double(o.connections) / o.ramp : 0.0;
    const auto t0 = steady::now() + std::chrono::milliseconds(50);
    auto at = [&](double s) { return t0 + std::chrono::duration_cast<steady::duration>(seconds_d(s)); };
    const auto ramp_end = at(ramp_s);
    const auto window_start = at(ramp_s + o.warmup);
    const auto window_end = at(ramp_s + o.warmup + o.duration);
    auto us = [](steady::time_point t) {
        return std::uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
    };
    plan.window_start_us = us(window_start);
    plan.window_end_us = us(window_end);

    const std::size_t shard_count = std::max<std::size_t>(1, std::min<std::size_t>(o.threads, mine.size()));
    std::vector<std::unique_ptr<shard>> shards;
    const double process_ramp = o.ramp / double(o.process_count);
    for (std::size_t s = 0; s < shard_count; ++s)
        shards.push_back(std::make_unique<shard>(s + std::size_t{o.process_index} * 1000, plan, process_ramp, t0));
    for (std::size_t k = 0; k < mine.size(); ++k) shards[k % shard_count]->add(rooms.role(mine[k]), k);

    run_result result;
    result.label = o.label;
    result.protocol = std::string(to_string(o.protocol));
    for (const auto& u : o.urls) result.urls += (result.urls.empty() ? "" : ",") + u.text;
    result.rooms = describe_rooms(o.rooms);
    result.connections = o.connections;
    result.rate = o.rate;
    result.payload = o.payload;
    result.warmup = o.warmup;
    result.duration = o.duration;
    result.threads = std::uint32_t(shard_count);
    result.processes = 1;
    result.start_unix_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(wall::now().time_since_epoch()).count();

    if (!o.quiet) {
        std::cerr << "chatd-load: " << mine.size() << " of " << o.connections << " connections"
                  << (o.process_count > 1 ? " (process " + std::to_string(o.process_index + 1) + "/" +
                                                std::to_string(o.process_count) + ")"
                                          : std::string())
                  << " to " << result.urls << " (" << result.protocol << "), rooms "
                  << (result.rooms.empty() ? "none" : result.rooms) << ", " << o.rate << " msg/s per sender; ramp "
                  << ramp_s << " s, warm-up " << o.warmup << " s, measuring " << o.duration << " s\n";
    }

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    for (auto& s : shards) s->run();

    // One sample a second, on whole wall-clock seconds so that processes of
    // one run sample the same seconds.
    const bool tty = isatty(STDERR_FILENO) != 0;
    double cpu_before = process_cpu_seconds();
    std::uint64_t errors = 0, disconnects = 0, failed = 0;
    auto tick = std::chrono::ceil<std::chrono::seconds>(wall::now());
    for (;;) {
        while (!interrupted && wall::now() < tick)
            std::this_thread::sleep_for(std::min<wall::duration>(tick - wall::now(), std::chrono::milliseconds(100)));
        if (interrupted) break;
        std::vector<std::future<shard_report>> fs;
        for (auto& s : shards) fs.push_back(s->report());
        const auto reports = gather(fs);
        const auto now = steady::now();
        const auto middle = now - std::chrono::milliseconds(500);

        second_sample sample;
        sample.unix_s = std::chrono::duration_cast<std::chrono::seconds>(tick.time_since_epoch()).count() - 1;
        sample.phase = middle < ramp_end       ? run_phase::ramp
                       : middle < window_start ? run_phase::warmup
                       : middle < window_end   ? run_phase::measure
                                               : run_phase::drain;
        histogram delivery;
        std::uint64_t outstanding = 0, gap_events = 0, duplicates = 0;
        for (const auto& r : reports) {
            sample.sent += r.second.sent;
            sample.acked += r.second.acked;
            sample.delivered += r.second.delivered;
            sample.errors += r.second.errors;
            sample.disconnects += r.second.disconnects;
            sample.backlog += r.second.backlog;
            sample.connects += r.second.connects;
            sample.connect_failures += r.second.connect_failures;
            sample.connected += r.connected;
            delivery.merge(r.second.delivery);
            outstanding += r.outstanding;
            gap_events += r.gap_events;
            duplicates += r.duplicates;
        }
        sample.delivery = histogram_data::of(delivery);
        const double cpu_now = process_cpu_seconds();
        sample.cpu_seconds = cpu_now - cpu_before;
        cpu_before = cpu_now;
        errors += sample.errors;
        disconnects += sample.disconnects;
        failed += sample.connect_failures;
        result.timeline.push_back(sample);

        if (!o.quiet) {
            progress_view v;
            v.elapsed_s = seconds_d(now - t0).count();
            v.phase = sample.phase;
            v.connected = sample.connected;
            v.planned = mine.size();
            v.failed = failed;
            v.second = &result.timeline.back();
            v.errors = errors;
            v.disconnects = disconnects;
            v.gaps = gap_events;
            v.duplicates = duplicates;
            v.cpu_percent = 100.0 * sample.cpu_seconds;
            std::cerr << (tty ? "\r" : "") << format_progress(v) << (tty ? "\033[K" : "\n") << std::flush;
        }
        tick += std::chrono::seconds(1);
        if (failed == mine.size()) {  // every connection failed: nothing left to measure
            if (!o.quiet && tty) std::cerr << "\n";
            std::cerr << "chatd-load: every connection failed; stopping\n";
            break;
        }
        // The drain: until this process's sends are answered, and at least a
        // second (or --drain) so that lines other processes sent at their
        // end reach this one's receivers too.
        const auto drain = std::chrono::duration_cast<steady::duration>(seconds_d(o.drain));
        if (now >= window_end + std::min<steady::duration>(drain, std::chrono::seconds(1)) &&
            (outstanding == 0 || now >= window_end + drain))
            break;
    }
    if (!o.quiet && tty) std::cerr << "\n";
    const auto end = steady::now();
    if (interrupted) {
        result.duration = std::max(0.0, seconds_d(std::min(end, window_end) - window_start).count());
        std::cerr << "chatd-load: interrupted; " << result.duration << " s were measured\n";
    }

    // Totals, then an orderly close (at most a few seconds), then stop.
    {
        std::vector<std::future<run_result>> fs;
        for (auto& s : shards) fs.push_back(s->totals());
        for (auto& t : gather(fs)) merge_into(result, t);
    }
    {
        std::vector<std::future<void>> fs;
        for (auto& s : shards) fs.push_back(s->close_all());
        const auto deadline = steady::now() + std::chrono::seconds(5);
        for (auto& f : fs) f.wait_until(deadline);
    }
    for (auto& s : shards) s->stop();
    result.cpu_seconds = process_cpu_seconds() - cpu_start;
    result.wall_seconds = seconds_d(steady::now() - process_start).count();

    std::cout << format_summary(result) << std::flush;
    const bool written = write_outputs(result, o.json_path, o.svg_path, o.quiet);
    if (result.connected == 0) {
        std::cerr << "chatd-load: no connection succeeded\n";
        return 1;
    }
    return written ? 0 : 1;
}

}  // namespace chatd::load
