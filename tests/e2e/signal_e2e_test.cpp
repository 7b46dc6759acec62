// The chatd binary itself: SIGTERM stops it in order (1001 to clients,
// last batch committed) and it exits 0; the next start finds the history.

#include "chatd_process.hpp"
#include "ws_client.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

namespace {

using chatd::test::chatd_process;
using chatd::test::json_field;
using chatd::test::ws_client;

TEST(chatd_binary, sigterm_closes_clients_with_1001_exits_0_and_keeps_what_was_acked) {
    const auto dir = std::filesystem::temp_directory_path() / ("chatd-signal-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        chatd_process chatd(dir / "chat.db");
        ASSERT_NE(chatd.port(), 0) << "chatd did not say where it listens";
        ws_client alice(chatd.port());
        alice.identify("alice");
        alice.send(R"({"type":"join","id":2,"room":"general"})");
        ASSERT_TRUE(alice.wait_for("joined"));
        alice.send(R"({"type":"send","id":3,"room":"general","text":"kept","client_id":"c1"})");
        ASSERT_TRUE(alice.wait_for("ack"));
        std::uint16_t code = 0;
        std::jthread reader([&] { code = alice.wait_closed(); });  // reads the close as it comes
        EXPECT_EQ(chatd.terminate(), 0);
        reader.join();
        EXPECT_EQ(code, 1001);
    }
    {
        chatd_process chatd(dir / "chat.db");
        ASSERT_NE(chatd.port(), 0);
        {
            ws_client bob(chatd.port());
            bob.identify("bob");
            bob.send(R"({"type":"join","id":2,"room":"general"})");
            ASSERT_TRUE(bob.wait_for("joined"));
            bob.send(R"({"type":"history","id":4,"room":"general"})");
            auto h = bob.wait_for("history");
            ASSERT_TRUE(h);
            EXPECT_NE(h->find("\"kept\""), std::string::npos);
        }
        EXPECT_EQ(chatd.terminate(), 0);
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
