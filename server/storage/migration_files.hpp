#pragma once

// The numbered migration files of a schema folder, read and checked. No
// SQLite here: the PostgreSQL store (store_pg/) reads its own folder with
// the same rules. Start-up only.

#include "storage/startup_error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace chatd::storage {

struct migration {
    int version = 0;               ///< N, from the file name's leading digits
    std::filesystem::path file;    ///< where it was read from
    std::string sql;               ///< its text; must not BEGIN or COMMIT itself
};

/// Reads every `*.sql` file of `dir`, sorted by version. Each name must start
/// with its number followed by '_' ("0001_messages.sql"), and the numbers
/// must run 1, 2, 3... with no gap or repeat. Other files are ignored.
/// Throws startup_error if the folder cannot be read or a name breaks the rule.
std::vector<migration> load_migrations(const std::filesystem::path& dir);

}  // namespace chatd::storage
