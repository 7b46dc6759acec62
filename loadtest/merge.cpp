#include "merge.hpp"

#include "output_files.hpp"
#include "report_json.hpp"
#include "summary.hpp"

#include <iostream>

namespace chatd::load {

int run_merge(const merge_options& o) {
    run_result merged;
    for (const auto& path : o.inputs) {
        std::string text, error;
        if (!read_file(path, text, error)) {
            std::cerr << "chatd-load merge: cannot read " << path << ": " << error << "\n";
            return 1;
        }
        auto r = from_json(text);
        if (auto* e = std::get_if<std::string>(&r)) {
            std::cerr << "chatd-load merge: " << path << ": " << *e << "\n";
            return 1;
        }
        merge_into(merged, std::get<run_result>(r));
    }
    if (!o.label.empty()) merged.label = o.label;
    std::cout << format_summary(merged) << std::flush;
    return write_outputs(merged, o.json_path, o.svg_path, o.quiet) ? 0 : 1;
}

}  // namespace chatd::load
