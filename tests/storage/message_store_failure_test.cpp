// A batch that fails (locked database, a write refused mid-batch, a failed
// COMMIT) stores nothing, says why, and leaves no trace that would change
// the outcome of a retry.

#include "support.hpp"

#include "storage/migrations.hpp"
#include "storage/startup_error.hpp"

#include <sqlite3.h>

#include <chrono>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

class message_store_failure_test : public store_test {
protected:
    /// A store that fails at once on a lock instead of waiting.
    message_store open_impatient_store() const {
        auto o = options();
        o.busy_timeout = std::chrono::milliseconds(0);
        return message_store(o);
    }

    /// Room a holds 1 and 2 before the batch under test.
    static void seed(message_store& store) { append_ok(store, {msg("a", "ann", "s1"), msg("a", "ann", "s2")}); }

    static std::vector<new_message> batch() {
        return {msg("a", "ann", "n1"), msg("b", "bob", "n1"), msg("a", "bob", "n1"), msg("a", "ann", "s1")};
    }
    static std::vector<append_outcome> expected() { return {stored(3), stored(1), stored(4), duplicate(1)}; }

    static void expect_untouched(message_store& store) {
        EXPECT_EQ(store.last_seq("a").value(), 2U);
        EXPECT_EQ(store.last_seq("b").value(), 0U);
        EXPECT_EQ(all_messages(store, "a").size(), 2U);
        EXPECT_TRUE(all_messages(store, "b").empty());
    }
};

TEST_F(message_store_failure_test, a_batch_blocked_by_another_writer_stores_nothing_and_reports_busy) {
    auto store = open_impatient_store();
    seed(store);

    auto other = other_connection();
    ASSERT_TRUE(other.exec("BEGIN IMMEDIATE").has_value());  // holds the write lock

    auto r = store.append_batch(batch());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::busy) << r.error().message;
    EXPECT_EQ(r.error().sqlite_code & 0xff, SQLITE_BUSY);
    // WAL: reads go on while another connection writes.
    expect_untouched(store);

    ASSERT_TRUE(other.exec("ROLLBACK").has_value());
    EXPECT_EQ(append_ok(store, batch()), expected());
    EXPECT_EQ(all_messages(store, "a").size(), 4U);
}

TEST_F(message_store_failure_test, a_write_refused_mid_batch_rolls_back_the_rows_before_it) {
    auto store = open_store();
    seed(store);
    // From outside, make the third message of the batch fail after the first
    // two (and room b's row) were written inside the transaction.
    auto other = other_connection();
    ASSERT_TRUE(other
                    .exec("CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.sender = 'bob' AND NEW.room = 'a' "
                          "BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
                    .has_value());

    auto r = store.append_batch(batch());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::constraint) << r.error().message;
    EXPECT_EQ(r.error().sqlite_code, SQLITE_CONSTRAINT_TRIGGER);
    EXPECT_NE(r.error().message.find("refused by test"), std::string::npos) << r.error().message;
    expect_untouched(store);

    ASSERT_TRUE(other.exec("DROP TRIGGER refuse").has_value());
    EXPECT_EQ(append_ok(store, batch()), expected());
}

TEST_F(message_store_failure_test, a_failed_commit_rolls_back_the_whole_batch) {
    auto store = open_store();
    seed(store);
    // A deferred foreign key is only checked at COMMIT: room b's first message
    // adds a row that points nowhere, so the COMMIT itself fails, and SQLite
    // leaves the transaction open for the store to end.
    auto other = other_connection();
    ASSERT_TRUE(other
                    .exec("CREATE TABLE dangling (room TEXT REFERENCES rooms (name) DEFERRABLE INITIALLY DEFERRED);"
                          "CREATE TRIGGER fail_commit AFTER INSERT ON messages WHEN NEW.room = 'b' "
                          "BEGIN INSERT INTO dangling VALUES ('no such room'); END;")
                    .has_value());

    auto r = store.append_batch(batch());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, error_code::constraint) << r.error().message;
    EXPECT_EQ(r.error().sqlite_code, SQLITE_CONSTRAINT_FOREIGNKEY);
    expect_untouched(store);
    // The transaction was ended: another connection can write.
    ASSERT_TRUE(other.exec("DROP TRIGGER fail_commit").has_value());

    EXPECT_EQ(append_ok(store, batch()), expected());
    // And the same store keeps going.
    EXPECT_EQ(append_ok(store, {msg("b", "bob", "n2")}), (std::vector{stored(2)}));
}

TEST_F(message_store_failure_test, check_reports_a_schema_changed_underneath) {
    auto store = open_store();
    ASSERT_TRUE(store.check().has_value());
    auto other = other_connection();
    ASSERT_TRUE(other.exec("PRAGMA user_version = 999").has_value());
    auto r = store.check();
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("999"), std::string::npos) << r.error().message;
}

TEST_F(message_store_failure_test, a_moved_from_store_answers_with_errors) {
    auto store = open_store();
    message_store moved = std::move(store);
    EXPECT_TRUE(moved.check().has_value());
    EXPECT_FALSE(store.check().has_value());  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_FALSE(store.append_batch(batch()).has_value());
    EXPECT_FALSE(store.last_seq("a").has_value());
    EXPECT_FALSE(store.since("a", 0, 10).has_value());
}

TEST_F(message_store_failure_test, a_database_newer_than_the_schema_is_refused_at_open) {
    {
        auto db = open_connection({db_path(), std::chrono::milliseconds(5000), {}});
        ASSERT_TRUE(db.exec("PRAGMA user_version = 999").has_value());
    }
    try {
        open_store();
        FAIL() << "opened a database from the future";
    } catch (const startup_error& e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
}

TEST_F(message_store_failure_test, a_damaged_file_is_refused_at_open) {
    {
        auto store = open_store();
        std::vector<new_message> lines;
        for (int i = 0; i < 200; ++i) lines.push_back(msg("a", "ann", std::to_string(i), std::string(100, 'x')));
        append_ok(store, lines);
    }  // the last connection closes: the WAL is in the database file
    damage(db_path());
    try {
        open_store();
        FAIL() << "opened a damaged database";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.error().code, error_code::corrupt) << e.what();
        EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
    }
}

TEST_F(message_store_failure_test, a_broken_schema_folder_fails_the_open_with_the_file_name) {
    temp_dir schema;
    write_file(schema / "0001_bad.sql", "CREATE TABLE messages (;");
    auto o = options();
    o.schema_dir = schema.path();
    try {
        message_store store(o);
        FAIL() << "opened with a broken migration";
    } catch (const migration_error& e) {
        EXPECT_EQ(e.file(), schema / "0001_bad.sql");
        EXPECT_EQ(e.reached_version(), 0);
    }
}

}  // namespace
