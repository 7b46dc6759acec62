#pragma once

#include "results.hpp"

#include <string>

namespace chatd::load {

/// Writes the results to the paths that are not empty (JSON and SVG), each
/// through a temporary file renamed into place. Prints what it wrote, or why
/// it could not, to stderr. False if any file could not be written.
bool write_outputs(const run_result& r, const std::string& json_path, const std::string& svg_path, bool quiet);

/// The whole of a file, or an error message.
bool read_file(const std::string& path, std::string& out, std::string& error);

}  // namespace chatd::load
