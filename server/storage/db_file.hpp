#pragma once

// What the storage writer checks about its database file between commits:
// that the path still names the file it opened, and that chatd could write
// it. Plain system calls (stat, access, statvfs): cheap enough for every batch.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace chatd::storage {

/// Which file a path named when asked: its device and inode.
struct file_identity {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    friend bool operator==(const file_identity&, const file_identity&) = default;
};

/// The identity of the file at `path` now; nullopt when nothing is there.
/// Thread-safe.
std::optional<file_identity> identify(const std::filesystem::path& path);

/// Why this process could not write `path` (the file, or its folder for the
/// -wal and -shm files) now; nullopt when it could. Read-only mounts count,
/// for root too; for other users, the permission bits. Thread-safe.
std::optional<std::string> why_not_writable(const std::filesystem::path& path);

}  // namespace chatd::storage
