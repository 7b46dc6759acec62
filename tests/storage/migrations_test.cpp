// Migrations: numbered files applied in order, each with its user_version,
// skipped once applied; a failing file leaves the previous version; a newer
// database is refused.

#include "support.hpp"

#include "storage/migrations.hpp"

#include <string>

using namespace chatd::storage;
using chatd::storage::test::temp_dir;
using chatd::storage::test::write_file;

namespace {

class migrations_test : public ::testing::Test {
protected:
    migrations_test() { std::filesystem::create_directory(schema()); }

    std::filesystem::path schema() const { return dir_ / "schema"; }
    database open_db() const { return open_connection({dir_ / "db" / "test.db", std::chrono::milliseconds(5000), {}}); }

    static int version(database& db) {
        auto v = user_version(db);
        EXPECT_TRUE(v.has_value());
        return v ? *v : -1;
    }
    static bool has_table(database& db, const std::string& name) {
        auto stmt = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
        EXPECT_TRUE(stmt.has_value());
        stmt->bind(1, name);
        auto row = stmt->step();
        EXPECT_TRUE(row.has_value());
        return row && *row;
    }

    temp_dir dir_;
};

TEST_F(migrations_test, applies_every_file_in_order_on_an_empty_database_and_sets_user_version) {
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER);");
    // 0002 depends on 0001, so the order matters; 0010 sorts after 0002 by number.
    write_file(schema() / "0002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO b SELECT x FROM a;");
    write_file(schema() / "0003_c.sql", "CREATE TABLE c (x INTEGER);");
    write_file(schema() / "README.md", "not a migration");

    auto db = open_db();
    EXPECT_EQ(version(db), 0);
    EXPECT_EQ(migrate(db, schema()), 3);
    EXPECT_EQ(version(db), 3);
    EXPECT_TRUE(has_table(db, "a"));
    EXPECT_TRUE(has_table(db, "b"));
    EXPECT_TRUE(has_table(db, "c"));
}

TEST_F(migrations_test, the_real_schema_migrates_an_empty_database) {
    auto db = open_db();
    const int reached = migrate(db, std::filesystem::path(CHATD_SCHEMA_DIR));
    EXPECT_GE(reached, 1);
    EXPECT_EQ(version(db), reached);
    EXPECT_TRUE(has_table(db, "messages"));
    EXPECT_TRUE(has_table(db, "rooms"));
}

TEST_F(migrations_test, reopening_skips_applied_migrations_and_applies_only_new_ones) {
    // Re-running 0001 would fail: its table exists and it inserts a row.
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);");
    {
        auto db = open_db();
        EXPECT_EQ(migrate(db, schema()), 1);
    }
    {
        auto db = open_db();
        EXPECT_EQ(migrate(db, schema()), 1);
        EXPECT_EQ(version(db), 1);
    }
    write_file(schema() / "0002_b.sql", "INSERT INTO a VALUES (2);");
    auto db = open_db();
    EXPECT_EQ(migrate(db, schema()), 2);
    auto count = db.prepare("SELECT count(*) FROM a");
    ASSERT_TRUE(count.has_value());
    ASSERT_TRUE(count->step().value());
    EXPECT_EQ(count->column_int64(0), 2);  // 0001's insert ran once
}

TEST_F(migrations_test, a_failing_file_leaves_the_previous_version_and_names_the_file) {
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER);");
    // The first statement succeeds, the second fails: both must be undone.
    write_file(schema() / "0002_broken.sql", "CREATE TABLE b (x INTEGER);\nCREATE TABLE oops (;\n");
    write_file(schema() / "0003_c.sql", "CREATE TABLE c (x INTEGER);");

    {
        auto db = open_db();
        try {
            migrate(db, schema());
            FAIL() << "migrate accepted a broken file";
        } catch (const migration_error& e) {
            EXPECT_EQ(e.file(), schema() / "0002_broken.sql");
            EXPECT_EQ(e.version(), 2);
            EXPECT_EQ(e.reached_version(), 1);
            EXPECT_NE(std::string(e.what()).find("0002_broken.sql"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("syntax error"), std::string::npos) << e.what();
        }
        EXPECT_EQ(version(db), 1);
        EXPECT_FALSE(db.in_transaction());
        EXPECT_TRUE(has_table(db, "a"));
        EXPECT_FALSE(has_table(db, "b"));
        EXPECT_FALSE(has_table(db, "c"));
    }

    // Fixed, it applies from where it stopped.
    write_file(schema() / "0002_broken.sql", "CREATE TABLE b (x INTEGER);");
    auto db = open_db();
    EXPECT_EQ(migrate(db, schema()), 3);
    EXPECT_TRUE(has_table(db, "b"));
    EXPECT_TRUE(has_table(db, "c"));
}

TEST_F(migrations_test, a_file_that_commits_by_itself_is_reported) {
    write_file(schema() / "0001_a.sql", "COMMIT; CREATE TABLE a (x INTEGER);");
    auto db = open_db();
    EXPECT_THROW(migrate(db, schema()), migration_error);
    EXPECT_EQ(version(db), 0);
}

TEST_F(migrations_test, a_database_newer_than_the_newest_file_is_refused) {
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER);");
    {
        auto db = open_db();
        ASSERT_TRUE(db.exec("PRAGMA user_version = 7").has_value());
    }
    auto db = open_db();
    try {
        migrate(db, schema());
        FAIL() << "migrate accepted a newer database";
    } catch (const startup_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("newer"), std::string::npos) << what;
        EXPECT_NE(what.find('7'), std::string::npos) << what;
    }
    EXPECT_EQ(version(db), 7);
    EXPECT_FALSE(has_table(db, "a"));
}

TEST_F(migrations_test, a_gap_in_the_numbers_is_refused) {
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER);");
    write_file(schema() / "0003_c.sql", "CREATE TABLE c (x INTEGER);");
    EXPECT_THROW(load_migrations(schema()), startup_error);
}

TEST_F(migrations_test, two_files_with_one_number_are_refused) {
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER);");
    write_file(schema() / "0001_b.sql", "CREATE TABLE b (x INTEGER);");
    EXPECT_THROW(load_migrations(schema()), startup_error);
}

TEST_F(migrations_test, an_unnumbered_sql_file_is_refused) {
    write_file(schema() / "0001_a.sql", "CREATE TABLE a (x INTEGER);");
    write_file(schema() / "extra.sql", "CREATE TABLE b (x INTEGER);");
    EXPECT_THROW(load_migrations(schema()), startup_error);
}

TEST_F(migrations_test, a_missing_schema_folder_is_refused) {
    EXPECT_THROW(load_migrations(dir_ / "no-such-folder"), startup_error);
}

}  // namespace
