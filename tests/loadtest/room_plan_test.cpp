// Which room each connection joins and whether it sends: from its global
// index alone, so processes sharing a run agree.

#include "room_plan.hpp"

#include <gtest/gtest.h>

#include <map>

using chatd::load::room_plan;

TEST(room_plan, rooms_fill_in_connection_order) {
    const room_plan p({{10, 2}, {3, 1}}, std::nullopt);
    EXPECT_EQ(p.capacity(), 23u);
    EXPECT_EQ(p.role(0).room, "room-10-0-0");
    EXPECT_EQ(p.role(9).room, "room-10-0-0");
    EXPECT_EQ(p.role(10).room, "room-10-0-1");
    EXPECT_EQ(p.role(19).position, 9u);
    EXPECT_EQ(p.role(20).room, "room-3-1-0");
    EXPECT_EQ(p.role(22).room, "room-3-1-0");
    EXPECT_EQ(p.role(22).room_size, 3u);
    EXPECT_EQ(p.role(7).user, "u7");
    EXPECT_TRUE(p.role(22).sender);
}

TEST(room_plan, connections_beyond_the_rooms_are_idle) {
    const room_plan p({{5, 1}}, std::nullopt);
    EXPECT_TRUE(p.role(4).room.has_value());
    EXPECT_FALSE(p.role(5).room.has_value());
    EXPECT_FALSE(p.role(5).sender);
    EXPECT_FALSE(room_plan({}, std::nullopt).role(0).room.has_value());
}

TEST(room_plan, senders_are_the_first_members_of_each_room) {
    const room_plan p({{4, 3}}, 1);
    std::map<std::string, int> senders;
    for (std::uint32_t i = 0; i < 12; ++i)
        if (p.role(i).sender) ++senders[*p.role(i).room];
    EXPECT_EQ(senders.size(), 3u);
    for (const auto& [room, n] : senders) EXPECT_EQ(n, 1) << room;
    EXPECT_TRUE(p.role(4).sender);
    EXPECT_FALSE(p.role(5).sender);
    EXPECT_FALSE(room_plan({{4, 1}}, 0).role(0).sender);
}

TEST(room_plan, processes_share_the_connections_exactly_once) {
    for (std::uint32_t i = 0; i < 100; ++i) {
        int owners = 0;
        for (std::uint32_t k = 0; k < 3; ++k) owners += room_plan::owns(i, k, 3) ? 1 : 0;
        EXPECT_EQ(owners, 1) << i;
    }
}
