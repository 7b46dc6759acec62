// open_connection: the folder is made, and the settings chatd relies on
// (WAL, synchronous, foreign keys, cache, checkpoints) are in force.

#include "support.hpp"

#include "storage/checkpointer.hpp"
#include "storage/startup_error.hpp"

#include <sqlite3.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include <string>
#include <thread>
#include <vector>

using namespace chatd::storage;
using chatd::storage::test::temp_dir;
using chatd::storage::test::write_file;

namespace {

std::string pragma_text(database& db, const char* sql) {
    auto stmt = db.prepare(sql);
    EXPECT_TRUE(stmt.has_value());
    auto row = stmt->step();
    EXPECT_TRUE(row.has_value() && *row);
    return stmt->column_text(0);
}

TEST(connection_test, creates_missing_parent_folders_and_sets_wal_normal_and_foreign_keys) {
    temp_dir dir;
    const auto path = dir / "a" / "b" / "chat.db";
    auto db = open_connection({path, std::chrono::milliseconds(5000), sync_mode::normal});
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(pragma_text(db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(pragma_text(db, "PRAGMA synchronous"), "1");  // NORMAL
    EXPECT_EQ(pragma_text(db, "PRAGMA foreign_keys"), "1");
}

TEST(connection_test, the_page_cache_and_the_checkpoint_interval_are_set) {
    temp_dir dir;
    connection_options o{dir / "chat.db"};
    o.cache_kib = 4096;
    o.wal_autocheckpoint_pages = 1234;
    auto db = open_connection(o);
    EXPECT_EQ(pragma_text(db, "PRAGMA cache_size"), "-4096");  // negative: KiB
    EXPECT_EQ(pragma_text(db, "PRAGMA wal_autocheckpoint"), "1234");
}

TEST(connection_test, sync_is_full_unless_normal_is_asked_for) {
    temp_dir dir;
    auto db = open_connection(connection_options{dir / "chat.db"});
    EXPECT_EQ(pragma_text(db, "PRAGMA synchronous"), "2");  // FULL: the WAL is synced at every commit
    auto normal = open_connection({dir / "chat.db", std::chrono::milliseconds(5000), sync_mode::normal});
    EXPECT_EQ(pragma_text(normal, "PRAGMA synchronous"), "1");  // NORMAL
    // The store and the checkpointer open their connections with these.
    EXPECT_EQ(store_options{}.sync, sync_mode::full);
    EXPECT_EQ(checkpointer_options{}.sync, sync_mode::full);
}

TEST(connection_test, two_connections_opening_a_new_database_at_once_both_open) {
    // As the writer and the checkpointer do at start: one of them loses the
    // race to switch the new file to WAL, and must not fail for it.
    for (int round = 0; round < 150; ++round) {
        temp_dir dir;
        std::vector<std::string> failures(2);
        std::vector<std::thread> openers;
        for (std::size_t i = 0; i < 2; ++i)
            openers.emplace_back([&, i] {
                try {
                    auto db = open_connection(connection_options{dir / "chat.db"});
                    // Then each does what it does next: the writer migrates, the checkpointer reads.
                    const char* next = i == 0 ? "CREATE TABLE IF NOT EXISTS t (x)" : "PRAGMA user_version";
                    if (auto r = db.exec(next); !r) failures[i] = r.error().message;
                } catch (const startup_error& e) {
                    failures[i] = e.what();
                }
            });
        for (auto& t : openers) t.join();
        ASSERT_EQ(failures, (std::vector<std::string>{"", ""})) << "round " << round;
    }
}

TEST(connection_test, a_file_that_is_not_a_database_is_refused_as_corrupt) {
    temp_dir dir;
    write_file(dir / "chat.db", std::string(4096, 'x'));
    try {
        open_connection({dir / "chat.db", std::chrono::milliseconds(5000), {}});
        FAIL() << "opened a file that is not a database";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.error().code, error_code::corrupt) << e.what();
        EXPECT_EQ(e.error().sqlite_code, SQLITE_NOTADB);
    }
}

TEST(connection_test, a_path_that_cannot_be_a_folder_is_refused_as_io) {
    temp_dir dir;
    write_file(dir / "file", "x");
    try {
        open_connection({dir / "file" / "chat.db", std::chrono::milliseconds(5000), {}});
        FAIL() << "opened a database under a regular file";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.error().code, error_code::io) << e.what();
    }
}

TEST(connection_test, a_database_on_a_read_only_file_system_is_refused) {
    temp_dir dir;
    open_connection({dir / "chat.db", std::chrono::milliseconds(5000), {}});
    // Root ignores permission bits: a read-only bind mount of the folder.
    if (::mount(dir.path().c_str(), dir.path().c_str(), nullptr, MS_BIND, nullptr) != 0)
        GTEST_SKIP() << "cannot bind-mount here: " << std::strerror(errno);
    struct unmount {
        const std::filesystem::path& at;
        ~unmount() { ::umount2(at.c_str(), MNT_DETACH); }
    } guard{dir.path()};
    ASSERT_EQ(::mount(nullptr, dir.path().c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
        << std::strerror(errno);
    try {
        open_connection({dir / "chat.db", std::chrono::milliseconds(5000), {}});
        FAIL() << "opened a database it cannot write";
    } catch (const startup_error& e) {
        EXPECT_EQ(e.error().code, error_code::io) << e.what();
        EXPECT_NE(std::string(e.what()).find("the file is read-only"), std::string::npos) << e.what();
    }
}

}  // namespace
