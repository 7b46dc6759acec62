// The latency histogram: percentiles against distributions whose answers are
// known, bucket bounds, merging and values beyond its range.

#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>

using chatd::load::histogram;

namespace {

// The histogram promises its reported values within 1/64 of the truth.
void expect_close(std::uint64_t got, double want) {
    EXPECT_LE(std::abs(double(got) - want), want / 64.0 + 1.0) << "got " << got << ", want about " << want;
}

}  // namespace

TEST(histogram, empty_reports_zero) {
    histogram h;
    EXPECT_EQ(h.count(), 0u);
    EXPECT_EQ(h.percentile(50), 0u);
    EXPECT_EQ(h.min(), 0u);
    EXPECT_EQ(h.max(), 0u);
    EXPECT_EQ(h.mean(), 0.0);
}

TEST(histogram, small_values_are_exact) {
    histogram h;
    for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
    EXPECT_EQ(h.percentile(50), 50u);
    EXPECT_EQ(h.percentile(99), 99u);
    EXPECT_EQ(h.percentile(100), 100u);
    EXPECT_EQ(h.percentile(0), 1u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(histogram, uniform_distribution_percentiles) {
    histogram h;
    for (std::uint64_t v = 1; v <= 100'000; ++v) h.record(v);
    expect_close(h.percentile(50), 50'000);
    expect_close(h.percentile(90), 90'000);
    expect_close(h.percentile(99), 99'000);
    expect_close(h.percentile(99.9), 99'900);
    EXPECT_EQ(h.max(), 100'000u);
    EXPECT_EQ(h.min(), 1u);
    EXPECT_EQ(h.count(), 100'000u);
}

TEST(histogram, two_peaks_split_where_the_counts_say) {
    histogram h;
    h.record(1'000, 900);   // 90% at 1 ms
    h.record(50'000, 100);  // 10% at 50 ms
    expect_close(h.percentile(50), 1'000);
    expect_close(h.percentile(90), 1'000);
    expect_close(h.percentile(90.1), 50'000);
    expect_close(h.percentile(99), 50'000);
    EXPECT_EQ(h.count(), 1'000u);
}

TEST(histogram, exponential_distribution_percentiles) {
    // Exponential with mean 2000 us: the p-th percentile is -2000 ln(1 - p).
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> exp(1.0 / 2000.0);
    histogram h;
    for (int i = 0; i < 200'000; ++i) h.record(std::uint64_t(exp(rng)));
    for (double p : {50.0, 90.0, 99.0}) {
        const double want = -2000.0 * std::log(1.0 - p / 100.0);
        EXPECT_NEAR(double(h.percentile(p)), want, want * 0.04) << "p" << p;
    }
}

TEST(histogram, buckets_tile_the_range_and_stay_within_precision) {
    EXPECT_EQ(histogram::bucket_low(0), 0u);
    for (std::size_t i = 0; i + 1 < histogram::bucket_count; ++i) {
        ASSERT_EQ(histogram::bucket_high(i) + 1, histogram::bucket_low(i + 1)) << "bucket " << i;
        const auto lo = histogram::bucket_low(i), hi = histogram::bucket_high(i);
        ASSERT_LE(double(hi - lo), double(lo) / 64.0) << "bucket " << i;
    }
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 127, 128, 129, 1000, 65'535, 1'000'000,
                                                                  123'456'789, histogram::max_trackable - 1}) {
        const auto b = histogram::bucket_of(v);
        EXPECT_LE(histogram::bucket_low(b), v);
        EXPECT_GE(histogram::bucket_high(b), v);
    }
}

TEST(histogram, merge_equals_recording_everything_in_one) {
    histogram a, b, all;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint64_t> small(10, 5'000), large(100'000, 9'000'000);
    for (int i = 0; i < 10'000; ++i) {
        const auto x = small(rng), y = large(rng);
        a.record(x);
        b.record(y);
        all.record(x);
        all.record(y);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    EXPECT_EQ(a.sum(), all.sum());
    for (double p : {1.0, 25.0, 50.0, 75.0, 99.0, 99.99}) EXPECT_EQ(a.percentile(p), all.percentile(p)) << p;
    EXPECT_EQ(a.nonzero_buckets(), all.nonzero_buckets());
}

TEST(histogram, merge_into_empty_keeps_the_others_minimum) {
    histogram a, b;
    b.record(500);
    b.record(700);
    a.merge(b);
    EXPECT_EQ(a.min(), 500u);
    a.merge(histogram{});
    EXPECT_EQ(a.count(), 2u);
    EXPECT_EQ(a.min(), 500u);
}

TEST(histogram, values_beyond_the_range_are_counted_as_overflow) {
    histogram h;
    h.record(10);
    h.record(histogram::max_trackable + 12'345);
    EXPECT_EQ(h.overflow(), 1u);
    EXPECT_EQ(h.count(), 2u);
    EXPECT_EQ(h.max(), histogram::max_trackable + 12'345);  // max() stays exact
    EXPECT_EQ(h.percentile(100), h.max());
    EXPECT_EQ(h.percentile(50), 10u);
    EXPECT_EQ(histogram::bucket_of(h.max()), histogram::bucket_count - 1);
}

TEST(histogram, saved_buckets_restore_the_same_histogram) {
    histogram h;
    for (std::uint64_t v = 0; v < 5'000; v += 7) h.record(v * v);
    histogram back;
    ASSERT_TRUE(back.restore(h.nonzero_buckets(), h.count(), h.min(), h.max(), h.sum(), h.overflow()));
    EXPECT_EQ(back.percentile(50), h.percentile(50));
    EXPECT_EQ(back.percentile(99.9), h.percentile(99.9));
    EXPECT_EQ(back.count(), h.count());
}

TEST(histogram, restore_refuses_what_does_not_add_up) {
    histogram h;
    h.record(5);
    EXPECT_FALSE(h.restore({{3, 2}}, 3, 1, 5, 9, 0));                      // counts sum to 2, not 3
    EXPECT_FALSE(h.restore({{std::uint32_t(histogram::bucket_count), 1}}, 1, 1, 1, 1, 0));  // no such bucket
    EXPECT_EQ(h.count(), 1u);  // untouched
    EXPECT_EQ(h.max(), 5u);
}
