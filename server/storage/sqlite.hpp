#pragma once

// Thin RAII wrappers over the SQLite C API: a connection, a prepared
// statement, and the mapping from SQLite result codes to storage::error.
// Single-threaded by contract: a database and its statements belong to one
// thread (the storage actor's); none of this is thread-safe.

#include "storage/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace chatd::storage {

/// Maps an SQLite (extended) result code to an error; `context` says what
/// was being done and `detail` is SQLite's message, if any.
error make_error(int sqlite_code, std::string_view context, std::string_view detail = {});

class statement;

/// An open SQLite connection. Move-only; closes on destruction (see close()).
/// Only the owning thread may use it.
class database {
public:
    database() = default;
    database(database&& other) noexcept;
    database& operator=(database&& other) noexcept;
    database(const database&) = delete;
    database& operator=(const database&) = delete;
    ~database();

    /// Opens (creating if missing) the database file at `path` with extended
    /// result codes on. The parent directory must exist. Nothing else is
    /// configured: see open_connection() for chatd's settings.
    static result<database> open(const std::filesystem::path& path);

    bool is_open() const noexcept { return db_ != nullptr; }
    sqlite3* handle() const noexcept { return db_; }

    /// Runs constant SQL (one or more statements, no values). For pragmas,
    /// transaction control and migration files; never for user data.
    result<void> exec(const char* sql);

    /// Prepares one statement. `persistent` hints that it will be reused
    /// for the life of the connection.
    result<statement> prepare(std::string_view sql, bool persistent = false);

    /// Rows changed by the last INSERT, UPDATE or DELETE (not by triggers).
    std::int64_t changes() const noexcept;

    /// True while an explicit transaction is open.
    bool in_transaction() const noexcept;

    /// Rolls back the open transaction, if any. Safe to call when SQLite
    /// has already rolled back on its own (after I/O or full-disk errors).
    void rollback_quietly() noexcept;

    /// For a connection whose file is no longer at its path (deleted or
    /// replaced): copies the WAL into the file it has open and empties the
    /// WAL, both through the descriptors SQLite holds, so that a database
    /// put at the path never meets these frames; and from now on closing
    /// does nothing by path (SQLite deletes the -wal and -shm files by path
    /// when the last connection to a database closes). The destructor does
    /// this by itself when it finds the file moved.
    void seal() noexcept;

    /// An error for `sqlite_code` carrying this connection's last message.
    error last_error(int sqlite_code, std::string_view context) const;

private:
    explicit database(sqlite3* db) noexcept : db_(db) {}
    sqlite3* db_ = nullptr;
};

/// A prepared statement. Move-only; finalized on destruction. Parameters
/// are 1-based, columns 0-based, as in SQLite.
///
/// Use it inside a scope:  `auto s = stmt.scope();` resets it and clears its
/// bindings when `s` leaves scope, so a half-read SELECT never pins a read
/// snapshot (which would keep WAL checkpoints from finishing).
class statement {
public:
    statement() = default;
    statement(statement&& other) noexcept;
    statement& operator=(statement&& other) noexcept;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement();

    /// Binding never fails loudly: the first failing bind is remembered and
    /// reported by the next step(). Text is bound by copy, with its length.
    statement& bind(int index, std::int64_t value) noexcept;
    statement& bind(int index, std::string_view text) noexcept;

    /// One step: true when a row is ready, false when done.
    result<bool> step();
    /// Steps to completion, expecting no rows (INSERT, UPDATE, ...).
    result<void> run();

    std::int64_t column_int64(int column) const noexcept;
    std::string column_text(int column) const;
    bool column_is_null(int column) const noexcept;

    /// Resets the statement and clears bindings and any remembered error.
    void reset() noexcept;

    class [[nodiscard]] reset_guard {
    public:
        explicit reset_guard(statement& s) noexcept : s_(&s) {}
        reset_guard(const reset_guard&) = delete;
        reset_guard& operator=(const reset_guard&) = delete;
        ~reset_guard() { s_->reset(); }

    private:
        statement* s_;
    };
    reset_guard scope() noexcept { return reset_guard(*this); }

private:
    friend class database;
    statement(sqlite3_stmt* stmt, sqlite3* db) noexcept : stmt_(stmt), db_(db) {}

    sqlite3_stmt* stmt_ = nullptr;
    sqlite3* db_ = nullptr;
    int bind_error_ = 0;  // first failing bind since the last reset
};

}  // namespace chatd::storage
