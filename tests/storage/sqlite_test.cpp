// The SQLite wrappers: error classification, statements that report bind
// failures on step, and the reset guard.

#include "support.hpp"

#include "storage/connection.hpp"
#include "storage/sqlite.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>

using namespace chatd::storage;
using chatd::storage::test::first_text;
using chatd::storage::test::temp_dir;

namespace {

TEST(sqlite_test, result_codes_map_to_error_kinds) {
    EXPECT_EQ(make_error(SQLITE_BUSY, "x").code, error_code::busy);
    EXPECT_EQ(make_error(SQLITE_BUSY_SNAPSHOT, "x").code, error_code::busy);
    EXPECT_EQ(make_error(SQLITE_LOCKED, "x").code, error_code::busy);
    EXPECT_EQ(make_error(SQLITE_IOERR_FSYNC, "x").code, error_code::io);
    EXPECT_EQ(make_error(SQLITE_FULL, "x").code, error_code::io);
    EXPECT_EQ(make_error(SQLITE_CORRUPT, "x").code, error_code::corrupt);
    EXPECT_EQ(make_error(SQLITE_NOTADB, "x").code, error_code::corrupt);
    EXPECT_EQ(make_error(SQLITE_CONSTRAINT_UNIQUE, "x").code, error_code::constraint);
    EXPECT_EQ(make_error(SQLITE_MISUSE, "x").code, error_code::misuse);
    EXPECT_EQ(make_error(SQLITE_ERROR, "x").code, error_code::other);

    const auto e = make_error(SQLITE_CONSTRAINT_UNIQUE, "insert", "UNIQUE constraint failed");
    EXPECT_EQ(e.sqlite_code, SQLITE_CONSTRAINT_UNIQUE);
    EXPECT_EQ(e.message, "insert: UNIQUE constraint failed");
}

class statement_test : public ::testing::Test {
protected:
    statement_test() : db_(open_connection({dir_ / "t.db", std::chrono::milliseconds(5000), {}})) {
        EXPECT_TRUE(db_.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)").has_value());
    }
    temp_dir dir_;
    database db_;
};

TEST_F(statement_test, a_failed_bind_is_reported_by_step) {
    auto stmt = db_.prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
    ASSERT_TRUE(stmt.has_value());
    stmt->bind(1, std::string_view("a")).bind(3, std::int64_t{1});  // there is no ?3
    auto r = stmt->run();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::misuse);
    EXPECT_EQ(r.error().sqlite_code, SQLITE_RANGE);

    // reset() forgets the failure; correct bindings then run.
    stmt->reset();
    stmt->bind(1, std::string_view("a")).bind(2, std::int64_t{1});
    EXPECT_TRUE(stmt->run().has_value());
}

TEST_F(statement_test, a_constraint_failure_carries_the_extended_code) {
    ASSERT_TRUE(db_.exec("INSERT INTO t VALUES ('a', 1)").has_value());
    auto stmt = db_.prepare("INSERT INTO t (k, v) VALUES (?1, ?2)");
    ASSERT_TRUE(stmt.has_value());
    auto s = stmt->scope();
    stmt->bind(1, std::string_view("a")).bind(2, std::int64_t{2});
    auto r = stmt->run();
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::constraint);
    EXPECT_EQ(r.error().sqlite_code, SQLITE_CONSTRAINT_PRIMARYKEY);
}

TEST_F(statement_test, the_scope_guard_releases_a_half_read_query) {
    ASSERT_TRUE(db_.exec("INSERT INTO t VALUES ('a', 1), ('b', 2)").has_value());
    auto select = db_.prepare("SELECT k FROM t ORDER BY k");
    ASSERT_TRUE(select.has_value());
    {
        auto s = select->scope();
        ASSERT_TRUE(select->step().value());
        EXPECT_EQ(select->column_text(0), "a");
        EXPECT_TRUE(sqlite3_stmt_busy(sqlite3_next_stmt(db_.handle(), nullptr)));
    }
    // Reset: the next use starts from the first row again.
    auto s = select->scope();
    ASSERT_TRUE(select->step().value());
    EXPECT_EQ(select->column_text(0), "a");
}

TEST_F(statement_test, a_bad_statement_fails_to_prepare_with_the_sql_in_the_message) {
    auto stmt = db_.prepare("SELEC nonsense");
    ASSERT_FALSE(stmt.has_value());
    EXPECT_NE(stmt.error().message.find("SELEC nonsense"), std::string::npos) << stmt.error().message;
}

TEST_F(statement_test, rollback_quietly_ends_an_open_transaction_and_is_harmless_without_one) {
    db_.rollback_quietly();
    ASSERT_TRUE(db_.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES ('a', 1);").has_value());
    EXPECT_TRUE(db_.in_transaction());
    db_.rollback_quietly();
    EXPECT_FALSE(db_.in_transaction());
    auto count = db_.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count->step().value());
    EXPECT_EQ(count->column_int64(0), 0);
}

TEST(sqlite_test, a_connection_whose_file_was_replaced_leaves_no_frames_for_the_new_one) {
    namespace fs = std::filesystem;
    temp_dir dir;
    const auto db = dir / "chat.db";
    auto old_db = std::make_unique<database>(open_connection(connection_options{db}));
    ASSERT_TRUE(old_db->exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('old')").has_value());

    // The operator moves the database file away (its WAL stays at the path)
    // and puts another database in its place.
    fs::rename(db, dir / "moved.db");
    fs::create_directories(dir / "new");
    {
        auto other = open_connection(connection_options{dir / "new" / "chat.db"});
        ASSERT_TRUE(other.exec("CREATE TABLE marker (x TEXT); INSERT INTO marker VALUES ('the new one')").has_value());
    }
    fs::copy_file(dir / "new" / "chat.db", db);

    old_db.reset();  // the last connection to the old file

    auto now = open_connection(connection_options{db});
    EXPECT_EQ(first_text(now, "SELECT x FROM marker"), "the new one");
    auto moved = open_connection(connection_options{dir / "moved.db"});
    EXPECT_EQ(first_text(moved, "SELECT x FROM t"), "old");  // its commit went with it
}

}  // namespace
