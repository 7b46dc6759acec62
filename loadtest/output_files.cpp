#include "output_files.hpp"

#include "report_json.hpp"
#include "report_svg.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace chatd::load {

namespace {

bool write_file(const std::string& path, const std::string& content, bool quiet) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (f) f << content;
        if (!f || !f.flush()) {
            std::cerr << "chatd-load: cannot write " << path << ": " << std::strerror(errno) << "\n";
            std::remove(tmp.c_str());
            return false;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::cerr << "chatd-load: cannot write " << path << ": " << std::strerror(errno) << "\n";
        std::remove(tmp.c_str());
        return false;
    }
    if (!quiet) std::cerr << "chatd-load: wrote " << path << "\n";
    return true;
}

}  // namespace

bool write_outputs(const run_result& r, const std::string& json_path, const std::string& svg_path, bool quiet) {
    bool ok = true;
    if (!json_path.empty()) ok = write_file(json_path, to_json(r), quiet) && ok;
    if (!svg_path.empty()) ok = write_file(svg_path, to_svg(r), quiet) && ok;
    return ok;
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        error = std::strerror(errno);
        return false;
    }
    std::ostringstream s;
    s << f.rdbuf();
    out = std::move(s).str();
    return true;
}

}  // namespace chatd::load
