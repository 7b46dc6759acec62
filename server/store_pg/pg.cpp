#include "store_pg/pg.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace chatd::store_pg {

namespace {

// SQLSTATEs worth trying again: the same batch will most likely pass in a
// moment. A unique key is among them: two nodes creating the same room at
// once, one of them loses, and finds the room on its retry.
bool retryable(std::string_view state) noexcept {
    return state == "40001" || state == "40P01" || state == "55P03" || state == "23505";
}

std::string one_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& c : s)
        if (c == '\n' || c == '\t') c = ' ';
    return s;
}

}  // namespace

std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : item) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

rows::rows(rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
rows& rows::operator=(rows&& o) noexcept {
    if (this != &o) {
        if (r_) PQclear(r_);
        r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
}
rows::~rows() {
    if (r_) PQclear(r_);
}

int rows::size() const noexcept { return r_ ? PQntuples(r_) : 0; }

std::uint64_t rows::affected() const noexcept {
    if (!r_) return 0;
    const char* n = PQcmdTuples(r_);
    std::uint64_t out = 0;
    std::from_chars(n, n + std::strlen(n), out);
    return out;
}

bool rows::is_null(int row, int col) const noexcept { return PQgetisnull(r_, row, col) != 0; }

std::string rows::text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::int64_t rows::int64(int row, int col) const noexcept {
    const char* v = PQgetvalue(r_, row, col);
    std::int64_t out = 0;
    std::from_chars(v, v + PQgetlength(r_, row, col), out);  // NULL is "": 0
    return out;
}

result<connection> connection::open(const std::string& conninfo) {
    // Later keywords win: the defaults first, then whatever the URL says.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"5", "chatd", conninfo.c_str(), nullptr};
    PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (c == nullptr) return error{error_code::io, 0, "out of memory connecting to PostgreSQL"};
    if (PQstatus(c) != CONNECTION_OK) {
        error e{error_code::io, 0, one_line(PQerrorMessage(c))};
        PQfinish(c);
        return e;
    }
    // Notices (e.g. "relation already exists, skipping") are not ours to print.
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    return connection(c);
}

connection::connection(connection&& o) noexcept : conn_(std::exchange(o.conn_, nullptr)) {}
connection& connection::operator=(connection&& o) noexcept {
    if (this != &o) {
        if (conn_) PQfinish(conn_);
        conn_ = std::exchange(o.conn_, nullptr);
    }
    return *this;
}
connection::~connection() {
    if (conn_) PQfinish(conn_);
}

bool connection::lost() const noexcept { return conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK; }

result<rows> connection::checked(PGresult* r) {
    const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows(r);
    rows owned(r);  // freed on the way out
    if (lost()) return error{error_code::io, 0, "connection to PostgreSQL lost: " + one_line(PQerrorMessage(conn_))};
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = state ? state : "";
    std::string message = one_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
    return error{retryable(sqlstate) ? error_code::busy : error_code::other, 0, std::move(message)};
}

result<void> connection::prepare(const std::string& name, const std::string& sql) {
    if (!conn_) return error{error_code::io, 0, "not connected to PostgreSQL"};
    auto r = checked(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    if (!r) return std::move(r).error();
    return {};
}

result<rows> connection::run(const char* name, const std::vector<arg>& args) {
    if (!conn_) return error{error_code::io, 0, "not connected to PostgreSQL"};
    std::vector<const char*> values;
    values.reserve(args.size());
    for (const auto& a : args) values.push_back(a.c_str());
    return checked(PQexecPrepared(conn_, name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0));
}

result<rows> connection::exec(const std::string& sql) {
    if (!conn_) return error{error_code::io, 0, "not connected to PostgreSQL"};
    return checked(PQexec(conn_, sql.c_str()));
}

void connection::rollback_quietly() {
    if (conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE) PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace chatd::store_pg
