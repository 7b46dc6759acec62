#pragma once

// Two chatd nodes in this process on one store and one throwaway Redis
// (--bus): node 1 is the fixture's server_, node 2 is node2_. They share
// one SQLite file (its writers number each room's lines inside their
// transactions, so seq stays gapless across them); with
// CHATD_TEST_PG_URL=postgres://... set, both nodes use that database.

#include "../bus/redis_server.hpp"
#include "server_fixture.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <unistd.h>

namespace chatd::test {

class cluster_fixture : public server_fixture {
protected:
    void start_nodes() {
        cfg_.bus = bus::bus_options{.address = *bus::parse_redis_address(redis_.url())};
        cfg_.bus->retry = std::chrono::milliseconds(50);
        if (const char* pg = std::getenv("CHATD_TEST_PG_URL")) cfg_.postgres.conninfo = pg;
        start();  // node 1: server_
        node2_ = std::make_unique<app::chat_server>(cfg_);
    }
    ~cluster_fixture() override { node2_.reset(); }

    // A room of its own, so that a shared PostgreSQL database starts it at seq 1 too.
    const std::string room_ = [] {
        static std::atomic<int> n{0};
        return "cluster-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    }();

    std::unique_ptr<ws_client> member_on(std::uint16_t port, const std::string& name) {
        auto c = std::make_unique<ws_client>(port);
        c->identify(name);
        c->send(R"({"type":"join","id":2,"room":")" + room_ + R"("})");
        EXPECT_TRUE(c->wait_for("joined").has_value()) << name;
        return c;
    }

    redis_server redis_;
    std::unique_ptr<app::chat_server> node2_;
};

}  // namespace chatd::test
