#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace chatd::load {

/// A latency histogram in fixed memory, HdrHistogram-like: values below 128
/// have a bucket each; above, each power of two is split into 64 equal
/// buckets, so a reported value is within 1/64 (1.6%) of a recorded one.
/// Values are integers (the generator records microseconds) from 0 to
/// max_trackable; larger ones are counted in the top bucket and as
/// overflow(), and max() still says how large they were.
/// Two histograms merge exactly (add the buckets), which is how shards,
/// seconds and processes are combined. One owner; not thread-safe.
class histogram {
public:
    static constexpr int exact_bits = 7;                                  // 0..127 exact
    static constexpr int sub_bits = 6;                                    // 64 buckets per power of two
    static constexpr int top_bit = 36;                                    // 2^36 us: 19 hours
    static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << top_bit) - 1;
    static constexpr std::size_t bucket_count =
        (std::size_t{1} << exact_bits) + std::size_t(top_bit - exact_bits) * (std::size_t{1} << sub_bits);
    /// Names this bucket layout in saved results; merge refuses another.
    static constexpr const char* layout = "log-linear/exact7/sub6/top36";

    /// Adds one value (or `times` copies of it).
    void record(std::uint64_t value, std::uint64_t times = 1) noexcept;

    /// Adds every value recorded in `other`.
    void merge(const histogram& other) noexcept;

    /// Forgets everything.
    void reset() noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t overflow() const noexcept { return overflow_; }
    /// Exact smallest and largest values recorded (0 when empty).
    std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept { return count_ ? double(sum_) / double(count_) : 0.0; }
    std::uint64_t sum() const noexcept { return sum_; }

    /// The value at percentile `p` (0..100): the smallest recorded value's
    /// bucket such that at least p% of the values are at or below it, reported
    /// as the bucket's highest value, never above max() nor below min().
    /// 0 when empty.
    std::uint64_t percentile(double p) const noexcept;

    /// The bucket a value falls in, and the range of values a bucket holds.
    static std::size_t bucket_of(std::uint64_t value) noexcept;
    static std::uint64_t bucket_low(std::size_t index) noexcept;
    static std::uint64_t bucket_high(std::size_t index) noexcept;

    /// The non-empty buckets as (index, count), in index order: the saved form.
    std::vector<std::pair<std::uint32_t, std::uint64_t>> nonzero_buckets() const;

    /// Rebuilds from a saved form. False (and the histogram untouched) when an
    /// index is out of range or the counts do not add up to `count`.
    bool restore(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& buckets, std::uint64_t count,
                 std::uint64_t min, std::uint64_t max, std::uint64_t sum, std::uint64_t overflow);

private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t overflow_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t sum_ = 0;
};

}  // namespace chatd::load
