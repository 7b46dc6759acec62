#include "storage/sqlite.hpp"

#include <sqlite3.h>

#include <utility>

namespace chatd::storage {

namespace {

// TRUNCATE: every frame into the database file, then the WAL cut to zero
// bytes, through the descriptors (a busy reader is waited for, up to the
// busy timeout); the path is never used. SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE
// then says outright what SQLite does anyway for a moved file: no
// checkpoint and no deletion by path at close. The alternatives were worse:
// SQLITE_FCNTL_PERSIST_WAL alone keeps a full WAL at the path, and not
// closing leaks the descriptors and still leaves the frames there.
void seal(sqlite3* db) noexcept {
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

error_code classify(int sqlite_code) noexcept {
    switch (sqlite_code & 0xff) {  // the primary code
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return error_code::busy;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL: return error_code::io;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return error_code::corrupt;
    case SQLITE_CONSTRAINT: return error_code::constraint;
    case SQLITE_MISUSE:
    case SQLITE_RANGE: return error_code::misuse;
    default: return error_code::other;
    }
}

// In WAL mode the last connection to close checkpoints the WAL into the
// database file, then deletes the -wal and -shm files BY PATH. SQLite skips
// both when the file has moved (those paths may be a new database's now),
// but then leaves the WAL at the path full of this file's frames, and the
// next connection to open whatever file is at the path applies them to it.
// So a connection whose file has moved is sealed first (database::seal).
void close_connection(sqlite3* db) noexcept {
    if (!db) return;
    int moved = 0;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved != 0) seal(db);
    // close_v2: if a statement outlives us by mistake, the connection is
    // closed when the last one is finalized instead of leaking.
    sqlite3_close_v2(db);
}

}  // namespace

error make_error(int sqlite_code, std::string_view context, std::string_view detail) {
    std::string message(context);
    message += ": ";
    message += detail.empty() ? std::string_view(sqlite3_errstr(sqlite_code)) : detail;
    return error{classify(sqlite_code), sqlite_code, std::move(message)};
}

// --- database ----------------------------------------------------------------

database::database(database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

database& database::operator=(database&& other) noexcept {
    if (this != &other) {
        close_connection(db_);
        db_ = std::exchange(other.db_, nullptr);
    }
    return *this;
}

database::~database() { close_connection(db_); }

result<database> database::open(const std::filesystem::path& path) {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        error e = make_error(rc, "open " + path.string(), db ? sqlite3_errmsg(db) : std::string_view{});
        sqlite3_close_v2(db);  // a handle is returned even on failure
        return e;
    }
    sqlite3_extended_result_codes(db, 1);
    return database(db);
}

result<void> database::exec(const char* sql) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return {};
    error e = make_error(sqlite3_extended_errcode(db_), sql, msg ? std::string_view(msg) : std::string_view{});
    sqlite3_free(msg);
    return e;
}

result<statement> database::prepare(std::string_view sql, bool persistent) {
    sqlite3_stmt* stmt = nullptr;
    const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0U;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr);
    if (rc != SQLITE_OK) return last_error(rc, "prepare " + std::string(sql));
    return statement(stmt, db_);
}

std::int64_t database::changes() const noexcept { return db_ ? sqlite3_changes64(db_) : 0; }

bool database::in_transaction() const noexcept { return db_ && sqlite3_get_autocommit(db_) == 0; }

void database::rollback_quietly() noexcept {
    // After some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...) SQLite
    // has already rolled back; after others (a failed COMMIT: busy or a
    // deferred foreign key) the transaction is still open and must be ended.
    if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void database::seal() noexcept {
    if (db_) storage::seal(db_);
}

error database::last_error(int sqlite_code, std::string_view context) const {
    return make_error(sqlite_code, context, db_ ? std::string_view(sqlite3_errmsg(db_)) : std::string_view{});
}

// --- statement ---------------------------------------------------------------

statement::statement(statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)),
      bind_error_(std::exchange(other.bind_error_, 0)) {}

statement& statement::operator=(statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
        db_ = std::exchange(other.db_, nullptr);
        bind_error_ = std::exchange(other.bind_error_, 0);
    }
    return *this;
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::int64_t value) noexcept {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
    return *this;
}

statement& statement::bind(int index, std::string_view text) noexcept {
    // A view may point at no storage at all (data() == nullptr), which SQLite
    // would bind as NULL; bind an empty string instead.
    const char* data = text.data() ? text.data() : "";
    const int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
    return *this;
}

result<bool> statement::step() {
    if (bind_error_ != 0) return make_error(bind_error_, std::string("bind ") + sqlite3_sql(stmt_));
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return make_error(rc, sqlite3_sql(stmt_), sqlite3_errmsg(db_));
}

result<void> statement::run() {
    for (;;) {
        auto r = step();
        if (!r) return std::move(r).error();
        if (!*r) return {};
    }
}

std::int64_t statement::column_int64(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }

std::string statement::column_text(int column) const {
    // Ask for the text first, then its length (the order SQLite documents).
    const auto* text = sqlite3_column_text(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    if (!text) return {};
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

bool statement::column_is_null(int column) const noexcept {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void statement::reset() noexcept {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = 0;
}

}  // namespace chatd::storage
