// A history reply never outgrows the reader's outbound budget, however much
// its lines grow when escaped.

#include "server_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace {

using chatd::test::json_field;
using chatd::test::ws_client;
using history_bytes = chatd::test::server_fixture;

TEST_F(history_bytes, lines_of_control_characters_page_by_bytes_and_the_reader_stays_connected) {
    cfg_.session.rate_per_second = 1000;
    cfg_.session.rate_burst = 1000;
    start();  // default budget (1 MiB) and max_text_bytes (4096)
    std::string controls;
    for (int i = 0; i < 4096; ++i) controls += "\\u0001";  // each escapes to 6 bytes on the way out too
    auto mallory = member("mallory");
    for (int i = 1; i <= 50; ++i) {
        mallory->send(say("general", controls, "c-" + std::to_string(i)));
        ASSERT_TRUE(mallory->wait_for("ack")) << "line " << i;
    }

    auto bob = member("bob");
    std::set<std::uint64_t> seen;
    std::string before;  // none: the newest page
    bool has_more = true;
    int pages = 0;
    while (has_more && pages < 50) {
        bob->send(R"({"type":"history","id":9,"room":"general")" + before + "}");
        auto page = bob->wait_for("history");
        ASSERT_TRUE(page) << "no history reply (closed with " << bob->wait_closed() << ")";
        EXPECT_LE(page->size(), cfg_.net.outbound_budget_bytes / 4);
        simdjson::dom::parser p;
        simdjson::dom::element root = p.parse(*page).value();
        simdjson::dom::array lines = root["messages"].get_array().value();
        ASSERT_GT(lines.size(), 0U);
        for (auto l : lines) seen.insert(std::uint64_t(l["seq"]));
        has_more = bool(root["has_more"]);
        before = R"(,"before":)" + std::to_string(std::uint64_t(lines.at(0)["seq"]));
        ++pages;
    }
    EXPECT_GT(pages, 1);  // the default page of 50 did not fit at once
    EXPECT_EQ(seen.size(), 50U);
    EXPECT_EQ(*seen.begin(), 1U);  // paging reached the first line
    bob->send(R"({"type":"ping","id":10})");
    EXPECT_TRUE(bob->wait_for("pong")) << "the reader was cut off";
}

}  // namespace
