#include "storage/db_file.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace chatd::storage {

std::optional<file_identity> identify(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return file_identity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

std::optional<std::string> why_not_writable(const std::filesystem::path& path) {
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0)
        return dir.string() + " is on a read-only file system";
    // access() answers for this process's real ids, which are chatd's; it
    // also says EROFS for a read-only mount statvfs did not see (a bind mount).
    for (const auto& p : {path, dir})
        if (::access(p.c_str(), W_OK) != 0) return p.string() + " is not writable: " + std::strerror(errno);
    return std::nullopt;
}

}  // namespace chatd::storage
