// The storage writer's messages for rooms, events and read markers: room
// creations and markers are committed in the same batches as appends and
// answered after the commit; a rejected event is answered `rejected` with
// its reason; reads commit what is pending first.

#include "writer_fixture.hpp"

#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;
using namespace std::chrono_literals;

namespace {

using writer_rooms_test = writer_test;

TEST_F(writer_rooms_test, a_room_creation_and_a_marker_share_the_batch_of_the_appends_around_them) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1, "bob"));
    auto made = w.ask(create_room{new_room{room_kind::private_room, "", "ann", "plans", {}, 7}}, 1s);
    w.tell(line("a", "2", 2, "bob"));
    auto marked = w.ask(mark_read{read_mark{"ann", "a", 1}}, 1s);
    w.tell(line("a", "3", 3, "bob"));
    run();

    EXPECT_EQ(*commits_, (std::vector<std::size_t>{5}));
    const auto room = made.get();
    ASSERT_TRUE(room.has_value());
    ASSERT_TRUE(room->ok) << room->error;
    EXPECT_EQ(room->value.status, create_status::created);
    EXPECT_EQ(room->value.state.room.topic, "plans");
    const auto mark = marked.get();
    ASSERT_TRUE(mark.has_value() && mark->ok);
    // Line 3 came after the marker in the batch: it was not there to count yet.
    EXPECT_EQ(mark->value, (mark_outcome{true, 1, 1, 0}));
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3}));

    const auto state = w.ask(read_room{room->value.state.room.name}, 1s).get();
    ASSERT_TRUE(state.has_value() && state->ok);
    EXPECT_TRUE(state->value.exists);
    EXPECT_EQ(state->value.members, room->value.state.members);
}

TEST_F(writer_rooms_test, a_rejected_event_is_answered_rejected_with_its_reason_and_uses_no_seq) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1, "ann"));
    auto edit = line("a", "e1", 2, "bob");
    edit.row.kind = event_kind::edit;
    edit.row.target = 1;
    w.tell(edit);
    auto react = line("a", "r1", 3, "bob");
    react.row.kind = event_kind::react;
    react.row.target = 42;
    w.tell(react);
    w.tell(line("a", "2", 4, "bob"));
    run();
    ASSERT_EQ(done_->size(), 4U);
    EXPECT_EQ((*done_)[1].outcome, status::rejected);
    EXPECT_EQ((*done_)[1].reason, reject_reason::forbidden);
    EXPECT_EQ((*done_)[2].outcome, status::rejected);
    EXPECT_EQ((*done_)[2].reason, reject_reason::not_found);
    EXPECT_EQ((*done_)[3].outcome, status::stored);
    EXPECT_EQ((*done_)[3].seq, 2U);
}

TEST_F(writer_rooms_test, writes_that_cannot_be_stored_are_refused_alone_at_once) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1));
    auto bad_room = w.ask(create_room{new_room{room_kind::public_room, "", "ann", "", {}, 7}}, 1s);
    auto bad_mark = w.ask(mark_read{read_mark{"", "a", 1}}, 1s);
    auto no_target = line("a", "e", 2);
    no_target.row.kind = event_kind::edit;  // target 0
    w.tell(no_target);
    w.tell(line("a", "2", 3));
    run();
    ASSERT_TRUE(bad_room.get().has_value());
    EXPECT_FALSE(bad_room.get()->ok);
    EXPECT_FALSE(bad_mark.get()->ok);
    EXPECT_EQ(tokens_done(), (seq_list{2, 1, 3}));  // the refusal comes first, before the commit
    EXPECT_EQ((*done_)[0].outcome, status::failed);
    EXPECT_EQ(seqs_done(), (seq_list{0, 1, 2}));
}

TEST_F(writer_rooms_test, the_rooms_of_a_user_are_read_after_pending_writes) {
    auto w = spawn_writer(options());
    auto join = line("a", "j", 1, "ann");
    join.row.kind = event_kind::member;
    join.row.subject = "ann";
    w.tell(join);
    w.tell(line("a", "1", 2, "bob"));
    auto mention = line("a", "2", 3, "bob");
    mention.row.mentions = {"ann"};
    w.tell(mention);
    const auto rooms = w.ask(read_user_rooms{"ann"}, 1s).get();
    ASSERT_TRUE(rooms.has_value() && rooms->ok) << (rooms ? rooms->error : "no answer");
    ASSERT_EQ(rooms->value.size(), 1U);
    EXPECT_EQ(rooms->value[0], (user_room{"a", room_kind::public_room, "", member_role::member, 3, 1, 2, 1}));
}

}  // namespace
