// The bus's payloads and address: what another node reads back is what was
// published, and bad input is refused, never misread.

#include "bus/redis_address.hpp"
#include "bus/wire.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using chatd::chat::cluster_event;
namespace storage = chatd::storage;

TEST(bus_wire, a_line_comes_back_as_published) {
    cluster_event e{42, std::make_shared<const std::string>(R"({"type":"message","seq":42,"text":"a b\n"})"), {}};
    auto back = chatd::bus::decode(chatd::bus::encode_event(e), "general");
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->seq, 42u);
    EXPECT_EQ(*back->data, *e.data);
    EXPECT_EQ(back->effects, nullptr);
}

TEST(bus_wire, an_event_with_side_effects_carries_its_row) {
    storage::new_message m{.room = "general", .sender = "owner", .client_id = "c 1", .text = "", .ts_ms = 17,
                           .kind = storage::event_kind::member, .subject = "bob",
                           .action = storage::member_action::ban, .role = storage::member_role::member,
                           .until_ms = 99};
    cluster_event e{7, std::make_shared<const std::string>("{}"), std::make_shared<const storage::new_message>(m)};
    auto back = chatd::bus::decode(chatd::bus::encode_event(e), "general");
    ASSERT_TRUE(back.has_value());
    ASSERT_NE(back->effects, nullptr);
    EXPECT_EQ(back->effects->room, "general");
    EXPECT_EQ(back->effects->kind, storage::event_kind::member);
    EXPECT_EQ(back->effects->action, storage::member_action::ban);
    EXPECT_EQ(back->effects->subject, "bob");
    EXPECT_EQ(back->effects->client_id, "c 1");
    EXPECT_EQ(back->effects->until_ms, 99);
    EXPECT_EQ(*back->data, "{}");
}

TEST(bus_wire, a_tick_is_a_seq_without_content) {
    auto back = chatd::bus::decode(chatd::bus::encode_tick(9), "general");
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->seq, 9u);
    EXPECT_EQ(back->data, nullptr);
}

TEST(bus_wire, what_is_not_ours_is_refused) {
    for (std::string bad : {"", "E", "E x {}", "E 0 0 {}", "E 5 2 {}", "E 5 0 ", "X 5 0 {}", "T 5 extra",
                            "E 5 1 99 0 0 0 0 0 0 0 0 {}", "E 5 1 5 0 0 0 0 9999 a"})
        EXPECT_FALSE(chatd::bus::decode(bad, "r").has_value()) << bad;
}

TEST(bus_wire, a_room_has_its_own_channel) {
    EXPECT_EQ(chatd::bus::room_of(chatd::bus::channel_of("!abc")), "!abc");
    EXPECT_EQ(chatd::bus::room_of("someone:else"), "");
}

TEST(bus_address, host_and_port) {
    auto a = chatd::bus::parse_redis_address("redis://10.0.0.5:6380");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "10.0.0.5");
    EXPECT_EQ(a->port, 6380);
    auto b = chatd::bus::parse_redis_address("redis://redis");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->port, 6379);
    for (const char* bad : {"http://x:1", "redis://", "redis://:6379", "redis://h:0", "redis://h:70000",
                            "redis://h:12x", "redis://u@h:1", "redis://h:1/db"})
        EXPECT_FALSE(chatd::bus::parse_redis_address(bad)) << bad;
}

using chatd::bus::decode_presence;
using chatd::bus::presence_message;

TEST(bus_wire, presence_comes_back_as_said) {
    auto here = decode_presence(chatd::bus::encode_presence("n1.2", "bob smith", true));
    ASSERT_TRUE(here.has_value());
    EXPECT_EQ(here->what, presence_message::kind::here);
    EXPECT_EQ(here->node, "n1.2");
    EXPECT_EQ(here->user, "bob smith");
    EXPECT_EQ(decode_presence(chatd::bus::encode_presence("n1.2", "bob", false))->what, presence_message::kind::left);
    auto hb = decode_presence(chatd::bus::encode_heartbeat("n1.2", 15000));
    ASSERT_TRUE(hb.has_value());
    EXPECT_EQ(hb->what, presence_message::kind::heartbeat);
    EXPECT_EQ(hb->ttl_ms, 15000);
    EXPECT_EQ(decode_presence(chatd::bus::encode_gone("n1.2"))->node, "n1.2");
}

TEST(bus_wire, a_snapshot_as_the_script_writes_it_is_read) {
    // What presence_store's script publishes: asker, live nodes, "node user" entries.
    auto s = decode_presence("S 4 n1.12 4 n2.14 n3.12 8 n2.1 bob8 n3.1 a b");
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->what, presence_message::kind::snapshot);
    EXPECT_EQ(s->node, "n1.1");
    EXPECT_EQ(s->live_nodes, (std::vector<std::string>{"n2.1", "n3.1"}));
    ASSERT_EQ(s->entries.size(), 2u);
    EXPECT_EQ(s->entries[1], (std::pair<std::string, std::string>{"n3.1", "a b"}));
}

TEST(bus_wire, presence_that_is_not_well_formed_is_refused) {
    for (const char* bad : {"P 2 1 n1 bob", "P 1 9 n1", "H 0 2 n1", "H 5 2 n1extra", "G ", "S 4 n1.12 1 ", "S 2 n10 1 6 nobody",
                            "X 1 n", "E 1 0 {}"})
        EXPECT_FALSE(decode_presence(bad).has_value()) << bad;
}

}  // namespace
