#pragma once

// Starts chatd in-process on port 0 with a temporary database, for tests
// that drive it with real WebSocket clients. With CHATD_TEST_STORE=postgres
// the database is a fresh one on a PostgreSQL server this process starts
// (once, in a temp folder; ../store_pg/pg_server.hpp) instead of a SQLite file.

#include "../store_pg/pg_server.hpp"
#include "app/chat_server.hpp"
#include "ws_client.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>

namespace chatd::test {

class server_fixture : public ::testing::Test {
protected:
    server_fixture() {
        static std::atomic<int> n{0};
        const int id = n++;
        dir_ = std::filesystem::temp_directory_path() /
               ("chatd-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(id));
        std::filesystem::create_directories(dir_);
        spdlog::set_level(spdlog::level::warn);
        cfg_.net.address = "127.0.0.1";
        cfg_.net.port = 0;
        cfg_.net.web_root = std::filesystem::path(CHATD_SOURCE_DIR) / "web";
        cfg_.storage.store.path = dir_ / "chat.db";
        cfg_.storage.store.schema_dir = std::filesystem::path(CHATD_SOURCE_DIR) / "schema";
        // ctest runs every e2e test twice: with two io threads (a strand
        // per connection) and with one (no strands; see net_config).
        const char* threads = std::getenv("CHATD_TEST_IO_THREADS");
        cfg_.threads = threads != nullptr && std::string_view(threads) == "1" ? 1 : 2;
        if (const char* store = std::getenv("CHATD_TEST_STORE"); store != nullptr && std::string_view(store) == "postgres")
            cfg_.postgres.conninfo = postgres().create_database("e2e_" + std::to_string(id));
    }
    /// This process's PostgreSQL server, started on first use.
    static pg_server& postgres() {
        static pg_server server;
        return server;
    }
    ~server_fixture() override {
        server_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    void start() { server_ = std::make_unique<app::chat_server>(cfg_); }
    void restart() {
        server_.reset();
        start();
    }
    std::uint16_t port() const { return server_->port(); }

    /// A client that has identified and joined `room`.
    std::unique_ptr<ws_client> member(const std::string& name, const std::string& room = "general") {
        auto c = std::make_unique<ws_client>(port());
        c->identify(name);
        c->send(R"({"type":"join","id":2,"room":")" + room + R"("})");
        EXPECT_TRUE(c->wait_for("joined").has_value()) << name << " could not join " << room;
        return c;
    }

    static std::string say(const std::string& room, const std::string& text, const std::string& client_id,
                           int id = 3) {
        return R"({"type":"send","id":)" + std::to_string(id) + R"(,"room":")" + room + R"(","text":")" + text +
               R"(","client_id":")" + client_id + R"("})";
    }

    std::filesystem::path dir_;
    app::server_config cfg_;
    std::unique_ptr<app::chat_server> server_;
};

}  // namespace chatd::test
