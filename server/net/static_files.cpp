#include "net/static_files.hpp"

#include "net/mime_types.hpp"
#include "protocol/hex.hpp"

#include <algorithm>
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
    std::error_code ec;
    root_ = std::filesystem::canonical(root, ec);
    if (ec || !std::filesystem::is_directory(root_, ec))
        throw std::runtime_error("web root " + root.string() + " is not a directory");
}

static_files::lookup_result static_files::lookup(std::string_view target) const {
    const auto path = decode_target_path(target);
    if (!path) return {outcome::bad_request, {}, {}};

    std::filesystem::path rel;
    std::size_t start = 1;  // past the leading '/'
    while (start <= path->size()) {
        const std::size_t end = std::min(path->find('/', start), path->size());
        const std::string_view segment = std::string_view(*path).substr(start, end - start);
        start = end + 1;
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") return {outcome::bad_request, {}, {}};
        if (segment.front() == '.') return {outcome::not_found, {}, {}};
        rel /= std::filesystem::path(segment);
    }
    if (path->back() == '/') rel /= "index.html";

    std::error_code ec;
    // Symlinks resolved: a link inside the root pointing out of it fails
    // the prefix check below.
    const auto real = std::filesystem::weakly_canonical(root_ / rel, ec);
    if (ec || !is_within(root_, real)) return {outcome::not_found, {}, {}};
    if (!std::filesystem::is_regular_file(real, ec) || ec) return {outcome::not_found, {}, {}};
    return {outcome::found, real, mime_type(real.filename().native())};
}

}  // namespace chatd::net
