// The storage writer when its database goes wrong while it runs: a file
// replaced under it, damaged pages, a path made read-only. Each is refused
// (appends answered `failed`, check_ready false), and a replaced file's WAL
// never reaches the database now at the path.

#include "writer_fixture.hpp"

#include "storage/startup_error.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

using namespace chatd::storage;
using namespace chatd::storage::test;
namespace fs = std::filesystem;

namespace {

class writer_fault_test : public writer_test {
protected:
    fs::path db() const { return dir_ / "chat.db"; }

    /// Appends one line and lets the writer commit it: its outcome.
    status send(const writer::ref_type& w, std::uint64_t token) {
        w.tell(line("a", std::to_string(token), token));
        advance(2ms);
        EXPECT_FALSE(done_->empty());
        return done_->empty() ? status::failed : done_->back().outcome;
    }

    /// Copies the WAL into the database file from a connection of the test's own.
    void checkpoint() const {
        auto other = open_connection({db(), 5000ms, {}});
        ASSERT_TRUE(other.exec("PRAGMA wal_checkpoint(TRUNCATE)").has_value());
    }

    /// The text of the first row `sql` answers, from a copy of `files`
    /// (the database, then its WAL if there is one) in a folder of its own,
    /// as chatd would find them at its next start.
    std::string read_copy(const std::string& name, const fs::path& file, const char* sql) const {
        const auto to = dir_ / name;
        fs::create_directories(to);
        fs::copy_file(file, to / "chat.db");
        if (fs::exists(file.string() + "-wal")) fs::copy_file(file.string() + "-wal", to / "chat.db-wal");
        auto c = open_connection({to / "chat.db", 5000ms, {}});
        return first_text(c, sql);
    }

    /// A writer with 200 lines stored, then every page after the first of
    /// its file overwritten on disk (after a checkpoint put them there).
    writer::ref_type damaged_writer(act::duration integrity_check_interval) {
        auto o = options();
        o.integrity_check_interval = integrity_check_interval;
        auto w = spawn_writer(o);
        for (std::uint64_t t = 1; t <= 200; ++t) w.tell(line("a", std::to_string(t), t));
        advance(2ms);
        EXPECT_EQ(count(status::stored), 200U);
        checkpoint();
        damage(db());
        return w;
    }
};

TEST_F(writer_fault_test, a_replaced_file_is_refused_and_its_wal_never_reaches_the_new_one) {
    auto w = spawn_writer(options());
    ASSERT_EQ(send(w, 1), status::stored);

    // The operator moves the file away and puts another database at the path.
    fs::rename(db(), dir_ / "moved.db");
    {
        auto other = open_connection({dir_ / "other.db", 5000ms, {}});
        ASSERT_TRUE(other.exec("CREATE TABLE marker (x TEXT); INSERT INTO marker VALUES ('the new one')").has_value());
    }
    fs::rename(dir_ / "other.db", db());

    EXPECT_EQ(send(w, 2), status::failed);  // never acked into a file nobody will read
    EXPECT_FALSE(ready(w));
    EXPECT_EQ(send(w, 3), status::failed);

    // Were chatd killed now, its next start would find the new database
    // whole: the old WAL left at the path holds nothing.
    EXPECT_EQ(read_copy("after-crash", db(), "SELECT x FROM marker"), "the new one");
    // And the moved file holds the line that was acked.
    EXPECT_EQ(read_copy("moved", dir_ / "moved.db", "SELECT text FROM messages WHERE seq = 1"), "line 1");
}

TEST_F(writer_fault_test, damage_found_by_the_timed_quick_check_refuses_lines_and_reads) {
    auto w = damaged_writer(1min);
    EXPECT_TRUE(ready(w));  // nothing has read the damaged pages yet

    advance(1min);
    EXPECT_FALSE(ready(w));
    EXPECT_EQ(send(w, 201), status::failed);
    auto r = w.ask(read_history{"a", std::nullopt, 50}, 1s).get();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->error.find("damaged"), std::string::npos) << r->error;
}

TEST_F(writer_fault_test, a_read_that_meets_damage_ends_the_store_too) {
    auto w = damaged_writer(0ms);

    auto r = w.ask(read_since{"a", 0, 100}, 1s).get();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok);
    EXPECT_FALSE(ready(w));
    EXPECT_EQ(send(w, 201), status::failed);
}

TEST_F(writer_fault_test, a_path_made_read_only_is_not_ready_before_any_line_and_recovers) {
    auto w = spawn_writer(options());
    ASSERT_TRUE(ready(w));
    // A read-only bind mount over the folder: what a file system remounted
    // read-only looks like through the path (root ignores permission bits).
    if (::mount(dir_.path().c_str(), dir_.path().c_str(), nullptr, MS_BIND, nullptr) != 0)
        GTEST_SKIP() << "cannot bind-mount here: " << std::strerror(errno);
    struct unmount {
        const fs::path& at;
        ~unmount() { ::umount2(at.c_str(), MNT_DETACH); }
    } guard{dir_.path()};
    ASSERT_EQ(::mount(nullptr, dir_.path().c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
        << std::strerror(errno);

    EXPECT_FALSE(ready(w));
    EXPECT_EQ(send(w, 1), status::failed);

    ASSERT_EQ(::umount2(dir_.path().c_str(), MNT_DETACH), 0);
    EXPECT_TRUE(ready(w));
    EXPECT_EQ(send(w, 2), status::stored);
}

}  // namespace
