#pragma once

// A thin owner of one libpq connection and its results: connect, prepare,
// run a statement with text parameters, and turn libpq's failures into
// storage::error. Blocking; single-threaded by contract (one instance
// belongs to the PostgreSQL writer's thread).

#include "storage/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace chatd::store_pg {

using storage::error;
using storage::error_code;
template <class T>
using result = storage::result<T>;

/// One text parameter of a statement; NULL when empty-constructed.
class arg {
public:
    arg() = default;  ///< NULL
    arg(std::string_view s) : value_(std::string(s)) {}  // NOLINT: implicit by design
    arg(const std::string& s) : value_(s) {}             // NOLINT
    arg(const char* s) : value_(std::string(s)) {}       // NOLINT
    arg(std::int64_t v) : value_(std::to_string(v)) {}   // NOLINT
    arg(std::uint64_t v) : value_(std::to_string(v)) {}  // NOLINT
    arg(int v) : value_(std::to_string(v)) {}            // NOLINT
    const char* c_str() const noexcept { return value_ ? value_->c_str() : nullptr; }

private:
    std::optional<std::string> value_;
};

/// A PostgreSQL array literal of texts ('{"a","b"}'), for `= ANY($1::text[])`.
std::string text_array(const std::vector<std::string>& items);

/// The rows a statement returned. Move-only; frees the PGresult.
class rows {
public:
    rows() = default;
    explicit rows(pg_result* r) noexcept : r_(r) {}
    rows(rows&& o) noexcept;
    rows& operator=(rows&& o) noexcept;
    rows(const rows&) = delete;
    rows& operator=(const rows&) = delete;
    ~rows();

    int size() const noexcept;
    bool empty() const noexcept { return size() == 0; }
    /// Rows a write touched (INSERT, UPDATE, DELETE).
    std::uint64_t affected() const noexcept;
    bool is_null(int row, int col) const noexcept;
    std::string text(int row, int col) const;  ///< "" for NULL
    std::int64_t int64(int row, int col) const noexcept;  ///< 0 for NULL
    std::uint64_t uint64(int row, int col) const noexcept { return static_cast<std::uint64_t>(int64(row, col)); }

private:
    pg_result* r_ = nullptr;
};

/// One connection. Calls report failure as an error: `busy` for a conflict
/// worth retrying (deadlock, serialization failure, a unique key another
/// node took a moment ago), `io` when the connection is lost (lost() is
/// then true), `other` for the rest.
class connection {
public:
    /// Connects to `conninfo` (a postgres:// URL or key=value pairs) with
    /// connect_timeout=5 unless it says otherwise. Never throws.
    static result<connection> open(const std::string& conninfo);

    connection() = default;
    connection(connection&& o) noexcept;
    connection& operator=(connection&& o) noexcept;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    bool is_open() const noexcept { return conn_ != nullptr; }
    /// True once the server is gone (or the connection was never made).
    bool lost() const noexcept;

    /// Prepares `sql` under `name` for run().
    result<void> prepare(const std::string& name, const std::string& sql);
    /// Runs a prepared statement.
    result<rows> run(const char* name, const std::vector<arg>& args = {});
    /// Runs SQL text with no parameters (several statements allowed).
    result<rows> exec(const std::string& sql);
    /// ROLLBACK, ignoring any failure (for a transaction left open).
    void rollback_quietly();

private:
    explicit connection(pg_conn* c) noexcept : conn_(c) {}
    result<rows> checked(pg_result* r);
    pg_conn* conn_ = nullptr;
};

}  // namespace chatd::store_pg
