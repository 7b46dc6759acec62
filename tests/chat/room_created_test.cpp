// A public room that runs for its name before anything is stored (readers
// joined it) and is then created (create_room, the HTTP API): told so, it
// takes on the owner and topic that were made, whether the news comes
// before or after it has loaded.

#include "room_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using chatd::chat::room;
using chatd::chat::room_created;
using chatd::storage::member_role;
using chatd::test::fake_storage;
using chatd::test::field;
using chatd::test::of_type;
using chatd::test::row;

class room_created_test : public chatd::test::room_fixture {
protected:
    /// What storage made: "plans", public, with alice its owner.
    static room_created made(const std::string& topic) {
        room_created m;
        m.state.exists = true;
        m.state.room.name = "plans";
        m.state.room.topic = topic;
        m.state.members = {row("alice", member_role::owner)};
        return m;
    }
    std::string joined_field(const std::string& user, const char* key) {
        auto m = joined(user);
        const auto j = of_type(m.frames, "joined");
        return j.empty() ? "<none>" : field(j.back(), key);
    }
};

TEST_F(room_created_test, a_running_room_told_it_was_created_makes_the_creator_its_owner_at_once) {
    make_room("plans");
    auto bob = joined("bob");  // a reader, before anything is stored
    room_.tell(made("Q3"));
    run();
    EXPECT_EQ(joined_field("alice", "role"), "owner");
    EXPECT_EQ(joined_field("alice", "topic"), "Q3");
    EXPECT_EQ(joined_field("carol", "role"), "<absent>") << "nobody else gains a role";
}

TEST_F(room_created_test, news_of_the_creation_that_comes_before_the_room_has_loaded_is_kept_for_it) {
    storage_ = sys_.spawn<fake_storage>({.label = "storage"}, db_, true);
    room_ = sys_.spawn<room>({.label = "room"}, "plans", room::storage_ref(storage_),
                             chatd::chat::room_options{.membership_events = true});
    room_.tell(made("Q3"));  // storage read the room before it was made, say
    run();
    EXPECT_EQ(joined_field("alice", "role"), "owner");
    EXPECT_EQ(joined_field("alice", "topic"), "Q3");
}

}  // namespace
