#pragma once

// A Prometheus registry: metrics are registered once at start-up, updated
// lock-free from any thread, and rendered in the text exposition format
// (version 0.0.4) for a /metrics endpoint. Standard library only.

#include "metrics/metrics.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chatd::metrics {

/// Label names and values of one series, in the order they are rendered.
using labels = std::vector<std::pair<std::string, std::string>>;

/// The Content-Type of render()'s output.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

/// True for a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name) noexcept;
/// True for a valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting "__".
bool valid_label_name(std::string_view name) noexcept;

/// Owns metrics and renders them. Thread-safe: register from any thread
/// (usually at start-up), update the returned metrics from any thread
/// without locking, render from any thread.
///
/// Series with the same name form one family (one # HELP and # TYPE line,
/// the help of the first registration); families and series render in
/// registration order. A metric lives as long as the registry, so the
/// references returned stay valid; there is no unregistering.
///
/// Invalid input is a programming error found at start-up: every add_*
/// throws std::invalid_argument for an invalid metric or label name, a
/// repeated label name, a name already registered as another type, a series
/// (name and labels) already registered, or (histograms) bounds that are not
/// finite and strictly increasing or a label named "le".
class registry {
public:
    registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;
    ~registry();

    counter& add_counter(std::string name, std::string help, labels l = {});
    /// A counter read at scrape time (e.g. a total another component keeps).
    /// fn is called by render()'s thread: thread-safe, quick, and must not
    /// touch this registry.
    void add_counter_fn(std::string name, std::string help, std::function<double()> fn, labels l = {});

    gauge& add_gauge(std::string name, std::string help, labels l = {});
    /// A gauge read at scrape time; fn as for add_counter_fn.
    void add_gauge_fn(std::string name, std::string help, std::function<double()> fn, labels l = {});

    /// `bounds` are the buckets' upper bounds, finite and strictly
    /// increasing; the +Inf bucket is added (a trailing +Inf is accepted).
    histogram& add_histogram(std::string name, std::string help, std::vector<double> bounds, labels l = {});

    /// Every metric in the Prometheus text format.
    std::string render() const;

private:
    enum class kind { counter, gauge, histogram };
    struct series;
    struct family;

    void add_series(std::string name, std::string help, kind k, labels l, std::unique_ptr<series> s);

    mutable std::mutex mutex_;  // guards the lists, never the metrics' values
    std::vector<std::unique_ptr<family>> families_;
};

}  // namespace chatd::metrics
