#pragma once

// Maps a request target to a file under the web root, safely: the target
// is percent-decoded, traversal and odd bytes are refused, and the file's
// real path (symlinks resolved) must lie under the root's real path.
// Standard library only, so it is tested without sockets.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace chatd::net {

/// The path of a request target, percent-decoded, without its query
/// ("?...") or fragment. nullopt if the target does not start with '/', or
/// holds a malformed escape, a NUL or a backslash (raw or escaped).
std::optional<std::string> decode_target_path(std::string_view target);

class static_files {
public:
    enum class outcome { found, bad_request, not_found };

    struct lookup_result {
        outcome what = outcome::not_found;
        std::filesystem::path file;     ///< canonical; set when found
        std::string_view content_type;  ///< set when found
        std::shared_ptr<const std::string> body;  ///< the file's bytes, read at start-up; set when found
    };

    /// `root` must be an existing directory; it is made canonical here, and
    /// every servable file under it is read into memory now, so serving
    /// never touches the disk on an io thread (files added later are not
    /// served until a restart). Throws std::runtime_error (a start-up error)
    /// if the root is not a directory or holds over 64 MiB of files.
    explicit static_files(const std::filesystem::path& root);

    /// Thread-safe (const). Never touches the file system.
    ///   bad_request  decode_target_path() refused it, or a ".." segment
    ///   not_found    a segment starting with '.' (hidden files), no such
    ///                regular file, or its real path is outside the root
    /// A path ending in '/' ("/" included) means its index.html.
    lookup_result lookup(std::string_view target) const;

    const std::filesystem::path& root() const noexcept { return root_; }

private:
    struct entry {
        std::filesystem::path file;
        std::shared_ptr<const std::string> body;
    };
    std::filesystem::path root_;
    std::unordered_map<std::string, entry> files_;  // by path relative to the root ("css/site.css")
};

}  // namespace chatd::net
