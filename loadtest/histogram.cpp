#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace chatd::load {

namespace {
constexpr std::uint64_t exact_limit = std::uint64_t{1} << histogram::exact_bits;
constexpr std::uint64_t sub_count = std::uint64_t{1} << histogram::sub_bits;
}  // namespace

std::size_t histogram::bucket_of(std::uint64_t value) noexcept {
    if (value >= max_trackable) return bucket_count - 1;
    if (value < exact_limit) return std::size_t(value);
    const int e = std::bit_width(value) - 1;  // exact_bits .. top_bit-1
    const int shift = e - sub_bits;
    const std::uint64_t mantissa = value >> shift;  // sub_count .. 2*sub_count-1
    return std::size_t(exact_limit + std::uint64_t(e - exact_bits) * sub_count + (mantissa - sub_count));
}

std::uint64_t histogram::bucket_low(std::size_t index) noexcept {
    if (index < exact_limit) return index;
    const std::uint64_t rel = index - exact_limit;
    const int e = int(rel / sub_count) + exact_bits;
    const std::uint64_t mantissa = sub_count + rel % sub_count;
    return mantissa << (e - sub_bits);
}

std::uint64_t histogram::bucket_high(std::size_t index) noexcept {
    if (index + 1 >= bucket_count) return max_trackable;
    return bucket_low(index + 1) - 1;
}

void histogram::record(std::uint64_t value, std::uint64_t times) noexcept {
    if (times == 0) return;
    buckets_[bucket_of(value)] += times;
    if (value > max_trackable) overflow_ += times;
    if (count_ == 0 || value < min_) min_ = value;
    max_ = std::max(max_, value);
    count_ += times;
    sum_ += value * times;
}

void histogram::merge(const histogram& other) noexcept {
    if (other.count_ == 0) return;
    for (std::size_t i = 0; i < bucket_count; ++i) buckets_[i] += other.buckets_[i];
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    count_ += other.count_;
    overflow_ += other.overflow_;
    sum_ += other.sum_;
}

void histogram::reset() noexcept { *this = histogram{}; }

std::uint64_t histogram::percentile(double p) const noexcept {
    if (count_ == 0) return 0;
    if (!(p > 0.0)) return min_;
    if (p >= 100.0) return max_;
    auto rank = std::uint64_t(std::ceil(p / 100.0 * double(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) return std::clamp(bucket_high(i), min_, max_);
    }
    return max_;
}

std::vector<std::pair<std::uint32_t, std::uint64_t>> histogram::nonzero_buckets() const {
    std::vector<std::pair<std::uint32_t, std::uint64_t>> out;
    for (std::size_t i = 0; i < bucket_count; ++i)
        if (buckets_[i] != 0) out.emplace_back(std::uint32_t(i), buckets_[i]);
    return out;
}

bool histogram::restore(const std::vector<std::pair<std::uint32_t, std::uint64_t>>& buckets, std::uint64_t count,
                        std::uint64_t min, std::uint64_t max, std::uint64_t sum, std::uint64_t overflow) {
    histogram h;
    std::uint64_t total = 0;
    for (const auto& [index, n] : buckets) {
        if (index >= bucket_count) return false;
        h.buckets_[index] += n;
        total += n;
    }
    if (total != count || overflow > count || (count != 0 && min > max)) return false;
    h.count_ = count;
    h.min_ = min;
    h.max_ = max;
    h.sum_ = sum;
    h.overflow_ = overflow;
    *this = h;
    return true;
}

}  // namespace chatd::load
