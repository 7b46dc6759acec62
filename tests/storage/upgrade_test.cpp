// The upgrade: a version-1 database, written the way the version-1 release
// writes it, opened by this store. Every line is kept with its seq, sender,
// client id, text and time; every room is public with no owner; new events
// follow the old last seq; a resent v1 line is still a duplicate.

#include "support.hpp"

#include "storage/migrations.hpp"

#include <map>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;

namespace {

// The version-1 release's statements (message_store.cpp at schema version
// 1), run in its order: a room row on its first line, the lines, then each
// room's counter, one transaction per batch.
constexpr const char* v1_insert_room = "INSERT INTO rooms (name, last_seq, created_ms) VALUES (?1, 0, ?2)";
constexpr const char* v1_update_room = "UPDATE rooms SET last_seq = ?2 WHERE name = ?1";
constexpr const char* v1_insert_message =
    "INSERT INTO messages (room, seq, sender, client_id, text, ts_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (room, sender, client_id) DO NOTHING";

class upgrade_test : public store_test {
protected:
    upgrade_test() {
        std::filesystem::create_directory(v1_schema());
        std::filesystem::copy_file(std::filesystem::path(CHATD_SCHEMA_DIR) / "0001_messages.sql",
                                   v1_schema() / "0001_messages.sql");
    }
    std::filesystem::path v1_schema() const { return dir_ / "schema-v1"; }

    /// Writes a version-1 file: 3 rooms, lines in several batches, as the
    /// version-1 store does; remembers what it wrote.
    void write_v1_file() {
        auto db = open_connection({db_path(), std::chrono::milliseconds(5000), {}});
        ASSERT_EQ(migrate(db, v1_schema()), 1);
        const std::vector<std::string> rooms{"general", "dev", "random.stuff"};
        std::map<std::string, std::uint64_t> last;
        for (int batch = 0; batch < 4; ++batch) {
            ASSERT_TRUE(db.exec("BEGIN IMMEDIATE").has_value());
            std::map<std::string, std::uint64_t> touched;
            for (int i = 0; i < 10; ++i) {
                const auto& room = rooms[static_cast<std::size_t>(i % 3)];
                if (!last.contains(room)) {
                    auto ins = db.prepare(v1_insert_room).value();
                    ASSERT_TRUE(ins.bind(1, room).bind(2, std::int64_t{100}).run().has_value());
                    last[room] = 0;
                }
                const std::uint64_t seq = ++last[room];
                const std::string sender = i % 2 ? "ann" : "guest:bob";
                const std::string cid = "c" + std::to_string(batch) + "-" + std::to_string(i);
                const std::string text = "line " + std::to_string(seq) + " of " + room + " ünïcödé \"q\" @ann";
                const std::int64_t ts = 1000 * batch + i;
                auto ins = db.prepare(v1_insert_message).value();
                ins.bind(1, room).bind(2, static_cast<std::int64_t>(seq)).bind(3, sender).bind(4, cid).bind(5, text);
                ASSERT_TRUE(ins.bind(6, ts).run().has_value());
                written_[room].push_back(stored_message{room, seq, sender, cid, text, ts});
                touched[room] = seq;
            }
            for (const auto& [room, seq] : touched) {
                auto up = db.prepare(v1_update_room).value();
                ASSERT_TRUE(up.bind(1, room).bind(2, static_cast<std::int64_t>(seq)).run().has_value());
            }
            ASSERT_TRUE(db.exec("COMMIT").has_value());
        }
        ASSERT_EQ(user_version(db).value(), 1);
    }

    std::map<std::string, std::vector<stored_message>> written_;
};

TEST_F(upgrade_test, a_version_1_file_keeps_every_line_and_takes_new_events_after_them) {
    write_v1_file();
    auto store = open_store();
    EXPECT_EQ(store.schema_version(), 2);
    EXPECT_TRUE(store.check().has_value());
    EXPECT_TRUE(store.quick_check().has_value());

    for (const auto& [room, lines] : written_) {
        SCOPED_TRACE(room);
        EXPECT_EQ(all_messages(store, room), lines);  // seq, sender, client id, text, time; kind line, no marks
        const auto state = store.room(room).value();
        EXPECT_TRUE(state.exists);
        EXPECT_EQ(state.room.kind, room_kind::public_);
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
    write_v1_file();
    auto o = options();
    o.schema_dir = v1_schema();
    EXPECT_THROW(message_store{o}, startup_error);
    // The file was not changed by the refusal: it upgrades as before.
    auto store = open_store();
    EXPECT_EQ(all_messages(store, "general"), written_["general"]);
}

}  // namespace
