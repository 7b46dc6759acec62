#include "storage/migration_files.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace chatd::storage {

namespace {

[[noreturn]] void fail(std::string message) { throw startup_error(error{error_code::other, 0, std::move(message)}); }

// "0001_messages.sql" -> 1; 0 if the name does not start with digits and '_'.
int version_of(const std::string& name) {
    const auto underscore = name.find('_');
    if (underscore == 0 || underscore == std::string::npos || underscore > 9) return 0;
    int n = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + underscore, n);
    if (ec != std::errc() || end != name.data() + underscore) return 0;
    return n;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail("migration " + file.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail("migration " + file.string() + ": read failed");
    return std::move(text).str();
}

}  // namespace

std::vector<migration> load_migrations(const std::filesystem::path& dir) {
    std::vector<migration> out;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) fail("schema directory " + dir.string() + ": " + ec.message());
    for (const auto& entry : it) {
        const auto& path = entry.path();
        if (path.extension() != ".sql" || !entry.is_regular_file()) continue;
        const int version = version_of(path.filename().string());
        if (version <= 0)
            fail("migration " + path.string() + ": the name must start with its number and '_', e.g. 0001_name.sql");
        out.push_back(migration{version, path, {}});
    }
    std::sort(out.begin(), out.end(), [](const migration& a, const migration& b) { return a.version < b.version; });
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int expected = static_cast<int>(i) + 1;
        if (out[i].version == expected) continue;
        if (out[i].version < expected)
            fail("migrations " + out[i - 1].file.string() + " and " + out[i].file.string() + " share a number");
        fail("migration " + std::to_string(expected) + " is missing from " + dir.string() + " (next found: " +
             out[i].file.filename().string() + ")");
    }
    for (auto& m : out) m.sql = read_file(m.file);
    return out;
}

}  // namespace chatd::storage
