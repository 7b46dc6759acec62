// chatd when its database fails: deleted while it runs, a line is refused
// with `unavailable` and /readyz says 503; unusable at start, the chatd
// binary exits 3 with one line on stderr instead of running without it.

#include "run_chatd.hpp"
#include "server_fixture.hpp"

#include "storage/connection.hpp"
#include "storage/message_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using chatd::test::json_field;

class storage_e2e : public chatd::test::server_fixture {};

TEST_F(storage_e2e, a_deleted_database_refuses_lines_with_unavailable_and_readyz_says_503) {
    start();
    auto alice = member("alice");
    alice->send(say("general", "stored", "c1"));
    ASSERT_TRUE(alice->wait_for("ack"));
    EXPECT_EQ(chatd::test::http_get(port(), "/readyz").first, 200);

    std::filesystem::remove(cfg_.storage.store.path);

    alice->send(say("general", "into a deleted file", "c2", 4));
    auto e = alice->wait_for("error");
    ASSERT_TRUE(e);
    EXPECT_EQ(json_field(*e, "code"), "unavailable");
    EXPECT_EQ(json_field(*e, "id"), "4");
    EXPECT_EQ(chatd::test::http_get(port(), "/readyz").first, 503);
    EXPECT_EQ(chatd::test::http_get(port(), "/healthz").first, 200);  // alive, just not ready
}

/// Runs the chatd binary on `db` to its exit (bounded): the exit status and what it printed.
std::pair<int, std::string> run_chatd(const std::filesystem::path& db) {
    return chatd::test::run_chatd({"--bind", "127.0.0.1", "--port", "0", "--db", db.string(), "--threads", "1"});
}

TEST_F(storage_e2e, chatd_does_not_start_on_a_database_it_cannot_open) {
    std::ofstream(dir_ / "a-file") << "x";
    auto [code, err] = run_chatd(dir_ / "a-file" / "chat.db");
    EXPECT_EQ(code, 3);
    EXPECT_NE(err.find("cannot start without its database"), std::string::npos) << err;
    EXPECT_NE(err.find("Not a directory"), std::string::npos) << err;
}

TEST_F(storage_e2e, chatd_does_not_start_on_a_damaged_database) {
    const auto db = dir_ / "chat.db";
    {
        chatd::storage::store_options o;
        o.path = db;
        o.schema_dir = cfg_.storage.store.schema_dir;
        chatd::storage::message_store store(o);
        std::vector<chatd::storage::new_message> lines;
        for (int i = 0; i < 200; ++i) lines.push_back({"a", "ann", std::to_string(i), std::string(100, 'x'), 1000});
        ASSERT_TRUE(store.append_batch(lines).has_value());
    }
    // Every page after the first (the schema) overwritten.
    const auto size = std::filesystem::file_size(db);
    std::fstream(db, std::ios::in | std::ios::out | std::ios::binary).seekp(4096) << std::string(size - 4096, '\xa5');
    auto [code, err] = run_chatd(db);
    EXPECT_EQ(code, 3);
    EXPECT_NE(err.find("is damaged"), std::string::npos) << err;
}

}  // namespace
