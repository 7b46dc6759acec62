// The session on the deterministic executor, between a fake connection and
// the real lobby and room (over the fake storage of tests/chat): frames go
// in as a client would send them, and the test reads what the client would
// see written or how its connection was closed.

#include "../chat/fakes.hpp"
#include "auth/jwt.hpp"
#include "chat/lobby.hpp"
#include "session/client_session.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using chatd::session::client_session;
using chatd::session::session_config;
using chatd::session::session_context;
using chatd::test::field;
using chatd::test::seen;

/// A connection that records what its session writes and how it closes it.
class fake_connection final : public chatd::transport::connection {
public:
    bool send(std::shared_ptr<const std::string> frame) override {
        if (close_code != 0) return false;
        frames->push_back(chatd::test::parsed(*frame));
        return true;
    }
    void close(std::uint16_t code, std::string reason) override {
        if (close_code != 0) return;
        close_code = code;
        close_reason = std::move(reason);
    }
    std::uint64_t id() const noexcept override { return 1; }
    std::string_view remote() const noexcept override { return "127.0.0.1:50000"; }

    std::vector<seen> of_type(const std::string& type) const { return chatd::test::of_type(frames, type); }

    chatd::test::inbox frames = std::make_shared<std::vector<seen>>();
    std::uint16_t close_code = 0;  // 0: open
    std::string close_reason;
};

// The wall clock the sessions read for token expiry, moved by the tests.
std::chrono::system_clock::time_point fake_now{std::chrono::seconds(1'000'000)};
std::chrono::system_clock::time_point wall_clock() { return fake_now; }

constexpr const char* secret = "test-secret";

class session_test : public act::test::deterministic {
protected:
    void SetUp() override {
        fake_now = std::chrono::system_clock::time_point{std::chrono::seconds(1'000'000)};
        storage_ = sys_.spawn<chatd::test::fake_storage>({.label = "storage"}, db_, true);
        rooms_ = sys_.spawn_supervisor({.label = "rooms"}, {});
        lobby_ = sys_.spawn<chatd::chat::lobby>({.label = "lobby"}, rooms_,
                                                chatd::chat::room::storage_ref(storage_), chatd::chat::room_options{});
        run();
    }
    /// Rooms with the room model on, as the server runs them with the product requests.
    void use_room_model() {
        lobby_ = sys_.spawn<chatd::chat::lobby>({.label = "lobby"}, rooms_, chatd::chat::room::storage_ref(storage_),
                                                chatd::chat::room_options{.membership_events = true});
    }
    // The sessions leave users_ as they stop: stop them while it is there.
    void TearDown() override { sys_.shutdown(); }

    /// A connection and its session, with settings `cfg`.
    std::shared_ptr<fake_connection> connect(session_config cfg = {}) {
        auto conn = std::make_shared<fake_connection>();
        auto ctx = std::make_shared<const session_context>(
            std::move(cfg), act::ref<chatd::chat::open_room>(lobby_), session_context::storage_ref(storage_), nullptr,
            &wall_clock, &users_);
        session_ = sys_.spawn<client_session>({.label = "session"}, conn, ctx);
        run();
        return conn;
    }
    void say(const std::string& json) {
        session_.tell(chatd::session::frame_in{json});
        run();
    }

    chatd::session::user_directory users_;  // before the system, which its sessions leave on stop
    std::shared_ptr<chatd::test::fake_db> db_ = std::make_shared<chatd::test::fake_db>();
    chatd::test::fake_storage::ref_type storage_;
    act::supervisor_ref rooms_;
    chatd::chat::lobby::ref_type lobby_;
    client_session::ref_type session_;
};

TEST_F(session_test, identify_join_and_send_reach_the_room_and_the_sender_is_acked) {
    auto c = connect();
    say(R"({"type":"identify","id":1,"name":"alice"})");
    say(R"({"type":"join","id":2,"room":"general"})");
    say(R"({"type":"send","id":3,"room":"general","client_id":"c1","text":"hello"})");

    ASSERT_EQ(c->of_type("identified").size(), 1u);
    EXPECT_EQ(field(c->of_type("identified")[0], "user"), "alice");
    ASSERT_EQ(c->of_type("joined").size(), 1u);
    EXPECT_EQ(field(c->of_type("joined")[0], "room"), "general");
    auto msgs = c->of_type("message");
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(field(msgs[0], "text"), "hello");
    EXPECT_EQ(field(msgs[0], "from"), "alice");
    auto acks = c->of_type("ack");
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(field(acks[0], "id"), "3");
    EXPECT_EQ(field(acks[0], "client_id"), "c1");
    ASSERT_EQ(db_->rooms["general"].size(), 1u) << "the line was not stored";
    EXPECT_EQ(c->of_type("error").size(), 0u);
}

TEST_F(session_test, bad_requests_get_their_stable_code_with_the_request_id) {
    session_config cfg;
    cfg.limits.max_text_bytes = 100;
    cfg.limits.max_frame_bytes = 1000;
    auto c = connect(cfg);
    say(R"({"type":"join","id":1,"room":"general"})");  // before identify
    say(R"({"type":"identify","id":2,"name":"alice"})");
    say(R"({"type":"send","id":3,"room":"nowhere","client_id":"c1","text":"hi"})");
    say(R"({"type":"send","id":4,)");
    say(R"({"type":"send","id":5,"room":"general","client_id":"c1","text":")" + std::string(300, 'x') + R"("})");
    say(R"({"type":"history","id":6,"room":"nowhere"})");
    say(R"({"type":"ping","id":7,"pad":")" + std::string(1000, 'x') + R"("})");

    auto errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 6u);
    EXPECT_EQ(field(errors[0], "code"), "not_identified");
    EXPECT_EQ(field(errors[0], "id"), "1");
    EXPECT_EQ(field(errors[1], "code"), "not_in_room");
    EXPECT_EQ(field(errors[1], "id"), "3");
    EXPECT_EQ(field(errors[2], "code"), "bad_json");
    EXPECT_EQ(field(errors[3], "code"), "text_too_long");
    EXPECT_EQ(field(errors[3], "id"), "5");
    EXPECT_EQ(field(errors[4], "code"), "not_in_room");
    EXPECT_EQ(field(errors[4], "id"), "6");
    EXPECT_EQ(field(errors[5], "code"), "frame_too_large");
    EXPECT_EQ(c->close_code, 0) << "bad input closed the connection";
}

TEST_F(session_test, over_the_rate_limit_requests_get_rate_limited_then_the_connection_is_closed_with_4002) {
    session_config cfg;
    cfg.rate_burst = 3;
    cfg.rate_per_second = 1;
    cfg.abuse_threshold = 4;
    auto c = connect(cfg);
    for (int i = 1; i <= 3; ++i) say(R"({"type":"ping","id":)" + std::to_string(i) + "}");
    EXPECT_EQ(c->of_type("pong").size(), 3u);
    say(R"({"type":"ping","id":4})");
    auto errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "rate_limited");
    EXPECT_EQ(field(errors[0], "id"), "4");
    EXPECT_EQ(c->close_code, 0) << "closed before the abuse threshold";
    for (int i = 5; i <= 7; ++i) say(R"({"type":"ping","id":)" + std::to_string(i) + "}");
    EXPECT_EQ(c->of_type("error").size(), 4u);
    EXPECT_EQ(c->close_code, 4002);
}

TEST_F(session_test, a_close_push_closes_only_that_users_connection_with_4003_and_counts_it) {
    auto closed = std::make_shared<std::atomic<std::uint32_t>>(0);
    auto c = connect();
    const auto tell = [&](const std::string& user) {
        session_.tell(chatd::session::user_push{
            user, chatd::session::close_connection{chatd::transport::close_code::disconnected, "bye", closed}});
        run();
    };
    tell("bob");  // not identified yet: no user to match
    say(R"({"type":"identify","id":1,"name":"alice"})");
    tell("bob");
    tell("");
    EXPECT_EQ(c->close_code, 0);
    EXPECT_EQ(closed->load(), 0u);
    tell("alice");
    EXPECT_EQ(c->close_code, 4003);
    EXPECT_EQ(c->close_reason, "bye");
    EXPECT_EQ(closed->load(), 1u);
}

TEST_F(session_test, the_bucket_refills_with_time) {
    session_config cfg;
    cfg.rate_burst = 1;
    cfg.rate_per_second = 1;
    advance(1s);  // off the manual clock's zero, which the bucket reads as "never refilled"
    auto c = connect(cfg);
    say(R"({"type":"ping","id":1})");
    say(R"({"type":"ping","id":2})");
    advance(1100ms);
    say(R"({"type":"ping","id":3})");
    auto pongs = c->of_type("pong");
    ASSERT_EQ(pongs.size(), 2u);
    EXPECT_EQ(field(pongs[1], "id"), "3");
}

TEST_F(session_test, what_a_room_delivers_is_written_to_the_connection) {
    auto c = connect();
    say(R"({"type":"identify","id":1,"name":"alice"})");
    auto frame = std::make_shared<const std::string>(R"({"type":"message","room":"general","seq":9,"text":"x"})");
    session_.tell(chatd::chat::deliver{"general", frame, 9});
    run();
    ASSERT_FALSE(c->frames->empty());
    EXPECT_EQ(c->frames->back().json, *frame);
}

TEST_F(session_test, a_closed_connection_leaves_its_rooms) {
    auto alice = connect();
    auto alice_session = session_;
    say(R"({"type":"identify","id":1,"name":"alice"})");
    say(R"({"type":"join","id":2,"room":"general"})");
    auto bob = connect();
    say(R"({"type":"identify","id":1,"name":"bob"})");
    say(R"({"type":"join","id":2,"room":"general"})");
    ASSERT_EQ(bob->of_type("joined").size(), 1u);
    EXPECT_EQ(field(bob->of_type("joined")[0], "member_count"), "2");

    alice_session.tell(chatd::session::connection_closed{"client closed 1000"});
    run();
    auto left = bob->of_type("presence");
    ASSERT_FALSE(left.empty());
    EXPECT_EQ(field(left.back(), "user"), "alice");
    EXPECT_EQ(field(left.back(), "event"), "leave");
}

TEST_F(session_test, a_token_user_is_closed_with_4001_when_the_token_expires) {
    session_config cfg;
    cfg.jwt_secret = secret;
    auto c = connect(cfg);
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(fake_now.time_since_epoch()).count();
    say(R"({"type":"identify","id":1,"token":")" + chatd::auth::sign_hs256("alice", now_s + 60, secret) + R"("})");
    ASSERT_EQ(c->of_type("identified").size(), 1u);
    fake_now += 59s;
    advance(59s);
    EXPECT_EQ(c->close_code, 0) << "closed before the token expired";
    fake_now += 2s;
    advance(2s);
    EXPECT_EQ(c->close_code, 4001);
}

TEST_F(session_test, nobody_identifies_as_the_servers_own_user_system) {
    auto guest = connect();  // a guests-only server: one namespace
    say(R"({"type":"identify","id":1,"name":"system"})");
    auto errors = guest->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "invalid_field");
    EXPECT_TRUE(guest->of_type("identified").empty());

    session_config cfg;
    cfg.jwt_secret = secret;
    auto token_user = connect(cfg);
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(fake_now.time_since_epoch()).count();
    say(R"({"type":"identify","id":1,"token":")" + chatd::auth::sign_hs256("system", now_s + 60, secret) + R"("})");
    errors = token_user->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "auth_failed");
    EXPECT_TRUE(token_user->of_type("identified").empty());
}

}  // namespace

TEST_F(session_test, a_refused_join_leaves_the_session_out_of_the_room) {
    session_config cfg;
    cfg.limits.product_requests = true;  // server-assigned ('!') names decode
    auto c = connect(cfg);
    say(R"({"type":"identify","id":1,"name":"alice"})");
    say(R"({"type":"join","id":2,"room":"!nosuchroom"})");
    auto errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "not_found");
    EXPECT_EQ(field(errors[0], "id"), "2");
    // The session forgot the room: a send is not_in_room, not lost.
    say(R"({"type":"send","id":3,"room":"!nosuchroom","client_id":"c1","text":"hi"})");
    errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(field(errors[1], "code"), "not_in_room");
    EXPECT_EQ(field(errors[1], "id"), "3");
}

TEST_F(session_test, line_changes_and_the_member_list_go_to_the_room) {
    // The room model on, as with the product requests on the server.
    lobby_ = sys_.spawn<chatd::chat::lobby>({.label = "lobby"}, rooms_, chatd::chat::room::storage_ref(storage_),
                                            chatd::chat::room_options{.membership_events = true});
    session_config cfg;
    cfg.limits.product_requests = true;
    auto c = connect(cfg);
    say(R"({"type":"identify","id":1,"name":"alice"})");
    say(R"({"type":"join","id":2,"room":"general"})");
    say(R"({"type":"send","id":3,"room":"general","client_id":"c1","text":"helo"})");
    say(R"({"type":"edit","id":4,"room":"general","seq":1,"text":"hello","client_id":"e1"})");
    say(R"({"type":"members","id":5,"room":"general"})");
    say(R"({"type":"edit","id":6,"room":"elsewhere","seq":1,"text":"x","client_id":"e2"})");

    auto events = c->of_type("event");  // the edit (joining a public room is no event)
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(field(events[0], "kind"), "edit");
    EXPECT_EQ(field(events[0], "text"), "hello");
    auto acks = c->of_type("ack");
    ASSERT_EQ(acks.size(), 2u);
    EXPECT_EQ(field(acks[1], "id"), "4");
    auto members = c->of_type("members");
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(field(members[0], "id"), "5");
    EXPECT_EQ(field(members[0], "members"), "[]") << "joining a public room makes nobody a member";
    auto errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "not_in_room");
}

namespace {

// A private room "!secret" with one line, whose only member is alice.
void make_private_room(chatd::test::fake_db& db) {
    chatd::storage::room_state s;
    s.exists = true;
    s.room.name = "!secret";
    s.room.kind = chatd::protocol::room_kind::private_room;
    s.members.push_back(chatd::storage::member_row{"alice", chatd::protocol::member_role::owner, true, 0, 0, 0});
    db.states["!secret"] = s;
    db.rooms["!secret"].push_back(chatd::storage::stored_message{"!secret", 1, "alice", "c1", "the secret", 1});
}

// The server's settings with the product requests on.
session_config product_config() {
    session_config cfg;
    cfg.limits.product_requests = true;
    cfg.jwt_secret = secret;
    cfg.rate_burst = 1000;
    return cfg;
}

// identify as `user` with a token (guests may only use public rooms).
std::string identify_as(const std::string& user, int id = 1) {
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(fake_now.time_since_epoch()).count();
    return R"({"type":"identify","id":)" + std::to_string(id) + R"(,"token":")" +
           chatd::auth::sign_hs256(user, now_s + 3600, secret) + R"("})";
}

}  // namespace

TEST_F(session_test, a_non_member_reads_no_history_of_a_private_room_even_while_its_join_is_being_decided) {
    use_room_model();
    make_private_room(*db_);
    const session_config cfg = product_config();
    auto alice = connect(cfg);
    say(identify_as("alice"));
    say(R"({"type":"join","id":2,"room":"!secret"})");
    ASSERT_EQ(alice->of_type("joined").size(), 1u) << "the member is let in" << alice->frames->back().json;
    auto bob = connect(cfg);
    say(identify_as("bob"));
    // bob joins and asks for history after every step of the executor, so
    // some request lands after the lobby has answered but before the room
    // has refused the join.
    session_.tell(chatd::session::frame_in{R"({"type":"join","id":2,"room":"!secret"})"});
    for (int i = 0; i < 40; ++i) {
        session_.tell(chatd::session::frame_in{R"({"type":"history","id":)" + std::to_string(100 + i) +
                                               R"(,"room":"!secret"})"});
        exec_.run_one();
    }
    run();
    say(R"({"type":"history","id":200,"room":"!secret"})");
    EXPECT_TRUE(bob->of_type("history").empty()) << "a non-member read the private room's history";
    for (const auto& f : *bob->frames) EXPECT_EQ(f.json.find("the secret"), std::string::npos) << f.json;
    auto errors = bob->of_type("error");
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(field(errors.back(), "code"), "not_in_room");
    const auto refused = std::find_if(errors.begin(), errors.end(), [](const auto& e) { return field(e, "id") == "2"; });
    ASSERT_NE(refused, errors.end());
    EXPECT_EQ(field(*refused, "code"), "not_found");
    EXPECT_EQ(field(*refused, "message"), "no such room") << "the same answer as a room that does not exist";
}


TEST_F(session_test, create_room_makes_a_public_room_of_that_name_or_a_private_one_named_by_the_server) {
    use_room_model();
    auto c = connect(product_config());
    say(identify_as("alice"));
    say(R"({"type":"create_room","id":2,"kind":"public","room":"plans","topic":"what next"})");
    say(R"({"type":"create_room","id":3,"kind":"public","room":"plans"})");
    say(R"({"type":"create_room","id":4,"kind":"private"})");

    auto rooms = c->of_type("room");
    ASSERT_EQ(rooms.size(), 2u);
    EXPECT_EQ(field(rooms[0], "id"), "2");
    EXPECT_EQ(field(rooms[0], "room"), "plans");
    EXPECT_EQ(field(rooms[0], "kind"), "public");
    EXPECT_EQ(field(rooms[0], "topic"), "what next");
    EXPECT_EQ(field(rooms[0], "role"), "owner");
    EXPECT_EQ(field(rooms[0], "members"), R"([{"user":"alice","role":"owner"}])");
    EXPECT_EQ(field(rooms[1], "id"), "4");
    EXPECT_EQ(field(rooms[1], "kind"), "private");
    EXPECT_TRUE(field(rooms[1], "room").starts_with("!")) << field(rooms[1], "room");
    auto errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "id"), "3");
    EXPECT_EQ(field(errors[0], "code"), "room_exists");

    // The owner joins the private room it made; its role comes with joined.
    const std::string name = field(rooms[1], "room");
    say(R"({"type":"join","id":5,"room":")" + name + R"("})");
    auto joined = c->of_type("joined");
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_EQ(field(joined[0], "role"), "owner");
}

TEST_F(session_test, open_direct_gives_the_same_room_for_the_same_users_in_any_order) {
    auto alice = connect(product_config());
    say(identify_as("alice"));
    say(R"({"type":"open_direct","id":2,"users":["bob","carol"]})");
    auto bob = connect(product_config());
    say(identify_as("bob"));
    say(R"({"type":"open_direct","id":2,"users":["carol","alice","bob"]})");
    say(R"({"type":"open_direct","id":3,"users":["bob"]})");

    auto a = alice->of_type("room");
    auto b = bob->of_type("room");
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(field(a[0], "kind"), "direct");
    EXPECT_TRUE(field(a[0], "room").starts_with("!"));
    EXPECT_EQ(field(a[0], "room"), field(b[0], "room")) << "one room per set of users";
    EXPECT_EQ(field(b[0], "role"), "member");
    EXPECT_EQ(field(b[0], "members"),
              R"([{"user":"alice","role":"member"},{"user":"bob","role":"member"},{"user":"carol","role":"member"}])");
    auto errors = bob->of_type("error");
    ASSERT_EQ(errors.size(), 1u) << "a direct room of one user";
    EXPECT_EQ(field(errors[0], "code"), "invalid_field");
}

TEST_F(session_test, guests_may_not_create_rooms_or_open_directs) {
    auto c = connect(product_config());
    say(R"({"type":"identify","id":1,"name":"gus"})");  // a guest on a server that takes tokens too
    say(R"({"type":"create_room","id":2,"kind":"public","room":"mine"})");
    say(R"({"type":"create_room","id":3,"kind":"private"})");
    say(R"({"type":"open_direct","id":4,"users":["alice"]})");
    auto errors = c->of_type("error");
    ASSERT_EQ(errors.size(), 3u);
    for (const auto& e : errors) EXPECT_EQ(field(e, "code"), "forbidden") << e.json;
    EXPECT_TRUE(c->of_type("room").empty());
    EXPECT_TRUE(db_->states.empty()) << "a guest's request made a room";
}

TEST_F(session_test, read_moves_the_marker_and_tells_the_users_other_connections_only) {
    use_room_model();
    auto bob = connect(product_config());
    say(identify_as("bob"));
    say(R"({"type":"join","id":2,"room":"general"})");
    for (int i = 0; i < 3; ++i)
        say(R"({"type":"send","id":3,"room":"general","client_id":"b)" + std::to_string(i) + R"(","text":"hi"})");
    auto phone = connect(product_config());
    auto phone_session = session_;
    say(identify_as("alice"));
    auto laptop = connect(product_config());
    say(identify_as("alice"));
    say(R"({"type":"read","id":2,"room":"general","seq":3})");  // not joined on this connection
    say(R"({"type":"join","id":3,"room":"general"})");
    say(R"({"type":"read","id":4,"room":"general","seq":2})");

    auto errors = laptop->of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(field(errors[0], "code"), "not_in_room");
    auto ok = laptop->of_type("read_ok");
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(field(ok[0], "id"), "4");
    EXPECT_EQ(field(ok[0], "seq"), "2");
    EXPECT_EQ(field(ok[0], "unread"), "1") << "bob's line after seq 2";
    EXPECT_TRUE(laptop->of_type("marker").empty()) << "the reader is not told its own marker";
    auto markers = phone->of_type("marker");
    ASSERT_EQ(markers.size(), 1u) << "the user's other connection is told";
    EXPECT_EQ(field(markers[0], "room"), "general");
    EXPECT_EQ(field(markers[0], "seq"), "2");
    EXPECT_EQ(field(markers[0], "unread"), "1");
    EXPECT_TRUE(bob->of_type("marker").empty()) << "another user was told alice's marker";

    // A stopped session is no longer told.
    phone_session.tell(chatd::session::connection_closed{"client closed 1000"});
    run();
    EXPECT_EQ(users_.count("alice"), 1u);
}

TEST_F(session_test, identified_lists_the_users_rooms_and_joined_tells_its_marker) {
    use_room_model();
    make_private_room(*db_);
    db_->rooms["!secret"].push_back(chatd::storage::stored_message{"!secret", 2, "bob", "c2", "news", 2});
    db_->states["!secret"].members.push_back(
        chatd::storage::member_row{"bob", chatd::protocol::member_role::member, true, 0, 0, 0});
    auto c = connect(product_config());
    // A client that does not wait for identified: its join is answered after it.
    session_.tell(chatd::session::frame_in{identify_as("alice")});
    session_.tell(chatd::session::frame_in{R"({"type":"join","id":2,"room":"!secret"})"});
    run();
    ASSERT_GE(c->frames->size(), 2u);
    EXPECT_EQ((*c->frames)[0].type, "identified");
    EXPECT_EQ(field((*c->frames)[0], "rooms"),
              R"([{"room":"!secret","kind":"private","topic":"","last_seq":2,"read":0,"unread":1,"mentions":0}])");
    auto joined = c->of_type("joined");
    ASSERT_EQ(joined.size(), 1u);
    EXPECT_EQ(field(joined[0], "read"), "0");
    EXPECT_EQ(field(joined[0], "unread"), "1");
    EXPECT_EQ(field(joined[0], "mentions"), "0");
    EXPECT_EQ(field(joined[0], "kind"), "private");
    EXPECT_EQ(field(joined[0], "role"), "owner");
}
