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

    /// A connection and its session, with settings `cfg`.
    std::shared_ptr<fake_connection> connect(session_config cfg = {}) {
        auto conn = std::make_shared<fake_connection>();
        auto ctx = std::make_shared<const session_context>(
            std::move(cfg), act::ref<chatd::chat::open_room>(lobby_), act::ref<chatd::storage::read_history>(storage_),
            nullptr, &wall_clock);
        session_ = sys_.spawn<client_session>({.label = "session"}, conn, ctx);
        run();
        return conn;
    }
    void say(const std::string& json) {
        session_.tell(chatd::session::frame_in{json});
        run();
    }

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

TEST_F(session_test, close_user_closes_only_that_users_connection_with_4003_and_counts_it) {
    auto closed = std::make_shared<std::atomic<std::uint32_t>>(0);
    auto c = connect();
    const auto tell = [&](const std::string& user) {
        session_.tell(chatd::session::close_user{user, chatd::transport::close_code::disconnected, "bye", closed});
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
