// The upgrade: a version-1 database written by the version-1 release
// (tests/storage/data/chat-v1.sqlite3, made by data/make_v1_db.cpp with that
// release's message_store), opened by this store. Every line is kept with
// its seq, sender, client id, text and time; every room is public with no
// owner; new events follow the old last seq; a resent v1 line is still a
// duplicate.

#include "support.hpp"

#include "storage/migrations.hpp"

#include <map>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

// In the source tree, found from the schema folder's absolute path.
const std::filesystem::path v1_file =
    std::filesystem::path(CHATD_SCHEMA_DIR).parent_path() / "tests" / "storage" / "data" / "chat-v1.sqlite3";

class upgrade_test : public store_test {
protected:
    upgrade_test() {
        std::filesystem::copy_file(v1_file, db_path());
        std::filesystem::create_directory(v1_schema());
        std::filesystem::copy_file(std::filesystem::path(CHATD_SCHEMA_DIR) / "0001_messages.sql",
                                   v1_schema() / "0001_messages.sql");
        // What make_v1_db.cpp wrote: 4 batches of 10 lines over 3 rooms (and
        // a resent line per batch, stored once).
        const std::vector<std::string> rooms{"general", "dev", "random.stuff"};
        for (int batch = 0; batch < 4; ++batch)
            for (int i = 0; i < 10; ++i) {
                const auto& room = rooms[static_cast<std::size_t>(i % 3)];
                const std::string cid = "c" + std::to_string(batch) + "-" + std::to_string(i);
                auto& lines = written_[room];
                lines.push_back(stored_message{room, lines.size() + 1, i % 2 ? "ann" : "guest:bob", cid,
                                               "line " + cid + " of " + room + " ünïcödé \"q\" @ann",
                                               1000 * batch + i});
            }
    }
    std::filesystem::path v1_schema() const { return dir_ / "schema-v1"; }

    std::map<std::string, std::vector<stored_message>> written_;
};

TEST_F(upgrade_test, the_file_is_a_version_1_database) {
    auto db = open_connection({db_path(), std::chrono::milliseconds(5000), {}});
    EXPECT_EQ(user_version(db).value(), 1);
    EXPECT_EQ(first_text(db, "SELECT count(*) FROM messages"), "40");
    EXPECT_EQ(first_text(db, "SELECT count(*) FROM pragma_table_info('messages') WHERE name = 'kind'"), "0");
}

TEST_F(upgrade_test, a_version_1_file_keeps_every_line_and_takes_new_events_after_them) {
    auto store = open_store();
    EXPECT_EQ(store.schema_version(), 2);
    EXPECT_TRUE(store.check().has_value());
    EXPECT_TRUE(store.quick_check().has_value());

    for (const auto& [room, lines] : written_) {
        SCOPED_TRACE(room);
        EXPECT_EQ(all_messages(store, room), lines);  // seq, sender, client id, text, time; kind line, no marks
        const auto state = store.room(room).value();
        EXPECT_TRUE(state.exists);
        EXPECT_EQ(state.room.kind, room_kind::public_room);
        EXPECT_EQ(state.room.created_by, "");
        EXPECT_EQ(state.room.topic, "");
        EXPECT_EQ(state.room.last_seq, lines.size());
        EXPECT_TRUE(state.members.empty());
    }

    // New events follow the old last seq; a v1 line can be edited and reacted to.
    const auto general = written_["general"];
    const auto next = general.size() + 1;
    const auto& ann_line = general.at(1);  // i = 3: ann's
    ASSERT_EQ(ann_line.sender, "ann");
    EXPECT_EQ(append_ok(store, {msg("general", "ann", "new"),
                                about(event_kind::edit, "general", "ann", "e", ann_line.seq, "fixed"),
                                about(event_kind::react, "general", "guest:bob", "r", ann_line.seq, "👍"),
                                member("general", "ann", "j", member_action::join, "ann")}),
              (std::vector{stored(next), stored(next + 1, 2000), stored(next + 2, 2000), stored(next + 3, 3000)}));
    const auto edited = event_at(store, "general", ann_line.seq);
    EXPECT_EQ(edited.text, "fixed");
    EXPECT_EQ(edited.reactions, (std::vector<reaction>{{"👍", {"guest:bob"}}}));
    // A v1 line resent with its client id is still the same line.
    EXPECT_EQ(append_ok(store, {msg("dev", written_["dev"].front().sender, "c0-1", "resent")}),
              (std::vector{duplicate(written_["dev"].front().seq, written_["dev"].front().ts_ms)}));
    EXPECT_EQ(store.rooms_of("ann").value().size(), 1U);
}

TEST_F(upgrade_test, without_the_migration_this_store_cannot_use_a_version_1_file) {
    auto o = options();
    o.schema_dir = v1_schema();
    EXPECT_THROW(message_store{o}, startup_error);
    // The file was not changed by the refusal: it upgrades as before.
    auto store = open_store();
    EXPECT_EQ(all_messages(store, "general"), written_["general"]);
}

}  // namespace
