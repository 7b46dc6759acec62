// The WAL checkpointer and the WAL's bound: after a checkpoint the database
// file alone holds every committed line; the writer asks for checkpoints as
// its WAL grows; and without a checkpointer the store keeps its WAL bounded
// by checkpointing itself, and the writer reports each time it did. On the
// deterministic executor.

#include "../actor/fixture.hpp"
#include "support.hpp"

#include "storage/checkpointer.hpp"
#include "storage/writer.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;
using namespace std::chrono_literals;

namespace {

struct temp_folder {
    temp_dir dir_;
};

class checkpointer_test : protected temp_folder, public act::test::deterministic {
protected:
    std::filesystem::path db_path() const { return dir_ / "chat.db"; }
    store_options store() const {
        store_options o;
        o.path = db_path();
        o.wal_limit_pages = 0;  // the tests decide when a checkpoint runs
        return o;
    }
    checkpointer::ref_type spawn_checkpointer() {
        checkpointer_options o{db_path()};
        o.on_checkpoint = [done = done_](const checkpoint_done& d, std::chrono::nanoseconds) { done->push_back(d); };
        auto c = sys_.spawn<checkpointer>({.label = "checkpointer"}, std::move(o));
        run();
        return c;
    }
    /// How many lines of room "a" a copy of the database file alone (no WAL) holds.
    std::size_t lines_in_the_file_alone() const {
        const auto copy = dir_ / "copy.db";
        std::filesystem::copy_file(db_path(), copy, std::filesystem::copy_options::overwrite_existing);
        message_store s(store_options{.path = copy});
        auto page = s.since("a", 0, message_store::max_page);
        EXPECT_TRUE(page.has_value());
        return page ? page->messages.size() : 0;
    }

    std::shared_ptr<std::vector<checkpoint_done>> done_ = std::make_shared<std::vector<checkpoint_done>>();
};

TEST_F(checkpointer_test, after_a_checkpoint_the_database_file_alone_holds_every_committed_line) {
    message_store s(store());
    for (int i = 0; i < 20; ++i) append_ok(s, {msg("a", "ann", "c" + std::to_string(i))});
    ASSERT_GT(s.wal_pages(), 0U);
    EXPECT_EQ(lines_in_the_file_alone(), 0U);  // all of it is still in the WAL

    auto c = spawn_checkpointer();
    auto r = c.ask(checkpoint_wal{}, 1s).get();
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->ok) << r->why.message;
    EXPECT_EQ(r->wal_pages, s.wal_pages());
    EXPECT_EQ(r->copied_pages, r->wal_pages);
    EXPECT_EQ(lines_in_the_file_alone(), 20U);
}

TEST_F(checkpointer_test, no_checkpoint_runs_for_a_file_that_is_no_longer_at_the_path) {
    message_store s(store());
    append_ok(s, {msg("a", "ann", "c1")});
    const auto writers_file = identify(db_path());
    auto c = spawn_checkpointer();
    ASSERT_TRUE(c.ask(checkpoint_wal{writers_file}, 1s).get()->ok);

    std::filesystem::rename(db_path(), dir_ / "moved.db");
    std::filesystem::copy_file(dir_ / "moved.db", db_path());  // another file at the path
    auto r = c.ask(checkpoint_wal{writers_file}, 1s).get();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->why.message.find("deleted or replaced"), std::string::npos) << r->why.message;
}

TEST_F(checkpointer_test, the_writer_asks_for_a_checkpoint_each_time_its_wal_has_grown_enough) {
    auto c = spawn_checkpointer();
    writer_options o;
    o.store = store();
    o.max_batch = 1;  // a commit per line, each a page or more of WAL
    o.checkpoint_pages = 8;
    auto w = sys_.spawn<writer>({.label = "storage"}, std::move(o), writer_hooks{.checkpointer = c});
    run();
    constexpr int lines = 60;
    for (int i = 0; i < lines; ++i) {
        w.tell(append{msg("a", "ann", "c" + std::to_string(i)), 0, {}});
        run();
    }
    // Again and again as the WAL grows, but not after every commit.
    ASSERT_GE(done_->size(), 2U);
    EXPECT_LT(done_->size(), static_cast<std::size_t>(lines) / 2);
    for (const auto& d : *done_) {
        EXPECT_TRUE(d.ok) << d.why.message;
        EXPECT_GE(d.wal_pages, 8U);
    }
    EXPECT_GT(lines_in_the_file_alone(), 0U);
}

TEST_F(checkpointer_test, without_a_checkpointer_the_store_keeps_its_wal_within_its_bound) {
    auto o = store();
    o.wal_limit_pages = 16;
    message_store s(o);
    // A few pages a commit: 300 commits would make a WAL of hundreds of pages.
    for (int i = 0; i < 300; ++i) append_ok(s, {msg("room" + std::to_string(i % 50), "ann", "c" + std::to_string(i))});
    const auto wal_bytes = std::filesystem::file_size(dir_ / "chat.db-wal");
    const std::uintmax_t frame = 4096 + 24;  // a page and its frame header
    EXPECT_LE(wal_bytes, 32 + (16 + 8) * frame);
    EXPECT_LE(s.wal_pages(), 16U + 8U);
    EXPECT_GT(s.backstop_checkpoints(), 0U);
}

TEST_F(checkpointer_test, a_writer_whose_wal_reaches_its_bound_reports_each_checkpoint_it_ran_itself) {
    auto backstops = std::make_shared<int>(0);
    writer_options o;
    o.store = store();
    o.store.wal_limit_pages = 16;
    o.max_batch = 1;
    writer_hooks h;
    h.on_backstop_checkpoint = [backstops] { ++*backstops; };  // no checkpointer: every bound is a backstop
    auto w = sys_.spawn<writer>({.label = "storage"}, std::move(o), std::move(h));
    run();
    for (int i = 0; i < 60; ++i) {
        w.tell(append{msg("a", "ann", "c" + std::to_string(i)), 0, {}});
        run();
    }
    EXPECT_GE(*backstops, 2);
    EXPECT_GT(lines_in_the_file_alone(), 0U);
}

}  // namespace
