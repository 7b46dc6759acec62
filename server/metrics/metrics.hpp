#pragma once

// The three kinds of metric a registry exposes. Updating any of them is a
// lock-free atomic operation, safe from any thread; get them from a
// metrics::registry, which owns them and renders them for Prometheus.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace chatd::metrics {

/// A value that only goes up (messages sent, bytes written). Thread-safe.
class counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down (open connections, queue depth). Thread-safe.
class gauge {
public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void inc(double d = 1) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
    void dec(double d = 1) noexcept { value_.fetch_sub(d, std::memory_order_relaxed); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

/// Counts observations (latencies, sizes) into fixed buckets chosen at
/// creation, and keeps their sum. observe() is thread-safe and lock-free.
class histogram {
public:
    /// `bounds`: the buckets' upper bounds (inclusive), strictly increasing
    /// and finite; +Inf is implied. Checked by the registry.
    explicit histogram(std::vector<double> bounds)
        : bounds_(std::move(bounds)), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

    void observe(double v) noexcept {
        // The first bound >= v; NaN and values above every bound go to +Inf.
        const std::size_t i = std::isnan(v) ? bounds_.size()
                                            : static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                                                       bounds_.begin());
        counts_[i].fetch_add(1, std::memory_order_relaxed);
        sum_.fetch_add(v, std::memory_order_relaxed);
    }

    const std::vector<double>& bounds() const noexcept { return bounds_; }

    /// The observations in bucket i alone (not cumulative); i == bounds().size()
    /// is the +Inf bucket.
    std::uint64_t bucket_count(std::size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<double> sum_{0};
};

}  // namespace chatd::metrics
