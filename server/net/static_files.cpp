#include "net/static_files.hpp"

#include "net/mime_types.hpp"
#include "protocol/hex.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <iterator>
#include <stdexcept>
#include <system_error>

namespace chatd::net {

using protocol::hex_value;

namespace {

// True if `p` is `root` or lies under it, comparing whole components
// ("/srv/web2" is not under "/srv/web").
bool is_within(const std::filesystem::path& root, const std::filesystem::path& p) {
    auto r = root.begin();
    auto q = p.begin();
    for (; r != root.end(); ++r, ++q) {
        // A trailing separator shows up as an empty last component.
        if (r->empty() && std::next(r) == root.end()) return true;
        if (q == p.end() || *r != *q) return false;
    }
    return true;
}

}  // namespace

std::optional<std::string> decode_target_path(std::string_view target) {
    if (target.empty() || target.front() != '/') return std::nullopt;
    target = target.substr(0, target.find_first_of("?#"));
    std::string out;
    out.reserve(target.size());
    for (std::size_t i = 0; i < target.size(); ++i) {
        char c = target[i];
        if (c == '%') {
            if (i + 2 >= target.size()) return std::nullopt;
            const int hi = hex_value(target[i + 1]);
            const int lo = hex_value(target[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || c == '\\') return std::nullopt;
        out.push_back(c);
    }
    return out;
}

static_files::static_files(const std::filesystem::path& root) {
    namespace fs = std::filesystem;
    std::error_code ec;
    root_ = fs::canonical(root, ec);
    if (ec || !fs::is_directory(root_, ec)) throw std::runtime_error("web root " + root.string() + " is not a directory");

    constexpr std::uintmax_t max_total = 64u << 20;
    std::uintmax_t total = 0;
    // Directory symlinks are not followed; a file symlink is served only if
    // its target lies inside the root. Hidden names are never served.
    for (auto it = fs::recursive_directory_iterator(root_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::path rel = it->path().lexically_relative(root_);  // the name as requested, links unresolved
        const bool hidden = std::any_of(rel.begin(), rel.end(), [](const fs::path& part) {
            return !part.empty() && part.native().front() == '.';
        });
        if (hidden) {
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file(ec)) continue;
        const fs::path real = fs::canonical(it->path(), ec);
        if (ec || !is_within(root_, real)) {
            ec.clear();
            continue;
        }
        total += fs::file_size(real, ec);
        if (total > max_total) throw std::runtime_error("web root " + root.string() + " holds over 64 MiB of files");
        std::ifstream in(real, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        files_.emplace(rel.generic_string(), entry{real, std::make_shared<const std::string>(std::move(bytes))});
    }
    if (ec) throw std::runtime_error("web root " + root.string() + " could not be read: " + ec.message());
}

static_files::lookup_result static_files::lookup(std::string_view target) const {
    const auto path = decode_target_path(target);
    if (!path) return {outcome::bad_request, {}, {}, {}};

    std::filesystem::path rel;
    std::size_t start = 1;  // past the leading '/'
    while (start <= path->size()) {
        const std::size_t end = std::min(path->find('/', start), path->size());
        const std::string_view segment = std::string_view(*path).substr(start, end - start);
        start = end + 1;
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") return {outcome::bad_request, {}, {}, {}};
        if (segment.front() == '.') return {outcome::not_found, {}, {}, {}};
        rel /= std::filesystem::path(segment);
    }
    if (path->back() == '/') rel /= "index.html";

    // Only what start-up loaded (inside the root, symlinks resolved) exists.
    const auto it = files_.find(rel.generic_string());
    if (it == files_.end()) return {outcome::not_found, {}, {}, {}};
    return {outcome::found, it->second.file, mime_type(it->second.file.filename().native()), it->second.body};
}

}  // namespace chatd::net
