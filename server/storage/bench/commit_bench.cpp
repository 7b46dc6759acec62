// What one storage commit costs on this machine's disk: batches of 1 and of
// 256 lines through message_store::append_batch, with synchronous=FULL and
// NORMAL. Prints p50 and p99 per commit and commits (and lines) per second,
// and how long PRAGMA quick_check then takes on the database made.
//
//   build/server/storage/bench/bench_storage_commit [--dir FOLDER] [--commits N]
//
// FOLDER must be on the disk chatd's database lives on (default: the current
// folder); a tmpfs makes every sync free and the figures meaningless.

#include "storage/message_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace chatd::storage;
using clock_type = std::chrono::steady_clock;

struct figures {
    double p50_ms = 0;
    double p99_ms = 0;
    double commits_per_s = 0;
    double quick_check_ms = 0;  // PRAGMA quick_check on the database the run made
    double file_mib = 0;        // its size
};

double percentile(std::vector<double>& v, double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
}

// A fresh database in `dir`, `commits` batches of `batch` lines (100-byte
// texts, one room), each append_batch timed on its own.
figures run(const fs::path& dir, sync_mode sync, std::size_t batch, std::size_t commits) {
    const fs::path path = dir / "bench-commit.db";
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    std::vector<double> ms;
    ms.reserve(commits);
    clock_type::duration total{};
    double qc = 0;
    double mib = 0;
    {
        store_options o;
        o.path = path;
        o.sync = sync;
        message_store store(o);
        std::vector<new_message> rows(batch);
        std::uint64_t n = 0;
        for (std::size_t c = 0; c < commits; ++c) {
            for (auto& r : rows) r = {"bench", "ann", std::to_string(++n), std::string(100, 'x'), 1000};
            const auto start = clock_type::now();
            auto r = store.append_batch(rows);
            const auto took = clock_type::now() - start;
            if (!r) {
                std::fprintf(stderr, "commit failed: %s\n", r.error().message.c_str());
                std::exit(1);
            }
            total += took;
            ms.push_back(std::chrono::duration<double, std::milli>(took).count());
        }
        // What the writer's timed integrity check holds its thread for.
        const auto start = clock_type::now();
        if (auto r = store.quick_check(); !r) std::fprintf(stderr, "quick_check: %s\n", r.error().message.c_str());
        qc = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
        mib = static_cast<double>(fs::file_size(path) + fs::file_size(path.string() + "-wal")) / (1024.0 * 1024.0);
    }
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    figures f;
    f.commits_per_s = static_cast<double>(commits) / std::chrono::duration<double>(total).count();
    f.p50_ms = percentile(ms, 0.50);
    f.p99_ms = percentile(ms, 0.99);
    f.quick_check_ms = qc;
    f.file_mib = mib;
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path dir = fs::current_path();
    std::size_t commits = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--dir") dir = argv[i + 1];
        else if (flag == "--commits") commits = std::strtoul(argv[i + 1], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: %s [--dir FOLDER] [--commits N]\n", argv[0]);
            return 2;
        }
    }
    if (commits < 10) commits = 10;
    std::printf("storage commit cost in %s, %zu commits each (wall time of append_batch)\n", dir.c_str(), commits);
    std::printf("%-8s %6s %10s %10s %12s %12s %16s\n", "sync", "lines", "p50 ms", "p99 ms", "commits/s", "lines/s",
                "quick_check ms");
    for (const auto sync : {sync_mode::full, sync_mode::normal}) {
        for (const std::size_t batch : {std::size_t{1}, std::size_t{256}}) {
            const figures f = run(dir, sync, batch, commits);
            std::printf("%-8s %6zu %10.3f %10.3f %12.0f %12.0f %7.0f (%.0f MiB)\n",
                        sync == sync_mode::full ? "full" : "normal", batch, f.p50_ms, f.p99_ms, f.commits_per_s,
                        f.commits_per_s * static_cast<double>(batch), f.quick_check_ms, f.file_mib);
            std::fflush(stdout);
        }
    }
    return 0;
}
