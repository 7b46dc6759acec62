#pragma once

#include "results.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace chatd::load {

/// The results as JSON: the figures a person reads ("summary", in ms and per
/// second) and everything merge needs (counts and histograms' buckets, per
/// run and per second). Pure.
std::string to_json(const run_result& r);

/// Reads what to_json wrote. An error message (naming the field) when the
/// text is not such a file. Pure.
std::variant<run_result, std::string> from_json(std::string_view text);

}  // namespace chatd::load
