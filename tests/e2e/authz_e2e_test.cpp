// Every authorization rule of docs/protocol.md ("Rooms, members and roles",
// "identify") seen from outside: real WebSocket clients signed in with
// tokens or as guests, against the server (the chatd binary for tokens). A non-member of a private or direct
// room learns nothing of it, a banned user is put out and kept out, a muted
// one cannot speak, a guest cannot leave the public rooms, a token is
// honoured only while it is valid, and a token's rooms let its user in.

#include "auth/jwt.hpp"
#include "chatd_process.hpp"
#include "server_fixture.hpp"
#include "ws_client.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using chatd::test::chatd_process;
using chatd::test::json_field;
using chatd::test::ws_client;

constexpr const char* secret = "authz-e2e-secret";

/// One client: its connection and the pushes it has read while waiting for replies.
struct peer {
    std::unique_ptr<ws_client> ws;
    std::string user;
    std::vector<std::string> pushes;
    int next_id = 100;

    /// Sends `body` (a request's fields after its type and id) and returns the reply with that id.
    std::string ask(const std::string& type, const std::string& body = {}) {
        const std::string id = std::to_string(next_id++);
        ws->send(R"({"type":")" + type + R"(","id":)" + id + (body.empty() ? "" : ",") + body + "}");
        while (auto f = ws->next()) {
            if (json_field(*f, "id") == id) return *f;
            pushes.push_back(*f);
        }
        return R"({"type":"<closed>"})";
    }
    /// The reply's type, or its error code.
    std::string outcome(const std::string& type, const std::string& body = {}) {
        const std::string r = ask(type, body);
        return json_field(r, "type") == "error" ? json_field(r, "code") : json_field(r, "type");
    }
    /// Reads until a push of `type` about `room` comes (kept in pushes).
    std::string wait_push(const std::string& type, const std::string& room) {
        while (auto f = ws->next()) {
            pushes.push_back(*f);
            if (json_field(*f, "type") == type && json_field(*f, "room") == room) return *f;
        }
        return "<closed>";
    }
    /// Every frame read so far, replies excepted, that names `room`.
    std::vector<std::string> about(const std::string& room) const {
        std::vector<std::string> out;
        for (const auto& f : pushes)
            if (json_field(f, "room") == room) out.push_back(f);
        return out;
    }
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }
std::string room_field(const std::string& room) { return R"("room":)" + quoted(room); }

// A token for `sub` that expires `seconds` from now, with `extra` claims.
std::string token(const std::string& sub, double seconds, const std::string& extra = {}) {
    const double exp = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() +
                       seconds;
    return chatd::auth::sign_hs256_payload(
        R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp) + (extra.empty() ? "" : ",") + extra + "}", secret);
}

// The seq of the line with `text` in a history reply ("0" if none).
std::string seq_in(const std::string& history, const std::string& text) {
    simdjson::dom::parser parser;
    simdjson::dom::array lines;
    if (parser.parse(history)["messages"].get(lines) != simdjson::SUCCESS) return "0";
    for (simdjson::dom::element line : lines) {
        std::string_view t;
        std::uint64_t seq = 0;
        if (line["text"].get(t) == simdjson::SUCCESS && t == text && line["seq"].get(seq) == simdjson::SUCCESS)
            return std::to_string(seq);
    }
    return "0";
}

// The server in this process (as every e2e test runs it), with the room
// model's requests on, token sign-in and guests.
class authz_e2e : public chatd::test::server_fixture {
protected:
    void SetUp() override {
        cfg_.session.limits.product_requests = true;
        cfg_.session.jwt_secret = secret;
        cfg_.session.allow_guests = true;
        start();
    }

    /// A client signed in with a token for `user` (valid for `seconds`, with `claims`).
    peer signed_in(const std::string& user, double seconds = 3600, const std::string& claims = {}) {
        peer p{std::make_unique<ws_client>(port()), user, {}};
        const std::string r = p.ask("identify", R"("token":)" + quoted(token(user, seconds, claims)));
        EXPECT_EQ(json_field(r, "type"), "identified") << r;
        return p;
    }
    peer guest(const std::string& name) {
        peer p{std::make_unique<ws_client>(port()), "guest:" + name, {}};
        EXPECT_EQ(p.outcome("identify", R"("name":)" + quoted(name)), "identified");
        return p;
    }
    /// A room `owner` creates: private (the server names it), or public named `name`.
    static std::string created(peer& owner, const std::string& kind, const std::string& name = {}) {
        const std::string r = owner.ask("create_room", R"("kind":)" + quoted(kind) +
                                                           (name.empty() ? "" : "," + room_field(name)));
        EXPECT_EQ(json_field(r, "type"), "room") << r;
        return json_field(r, "room");
    }
    static void joins(peer& p, const std::string& room) {
        const std::string r = p.ask("join", room_field(room));
        ASSERT_EQ(json_field(r, "type"), "joined") << p.user << " in " << room << ": " << r;
    }
    /// A member event or line `by` asks for, acked.
    static void acked(peer& by, const std::string& type, const std::string& body) {
        const std::string r = by.ask(type, body + R"(,"client_id":"c)" + std::to_string(by.next_id) + "\"");
        ASSERT_EQ(json_field(r, "type"), "ack") << type << " " << body << ": " << r;
    }
};

// What an outsider gets for each request about `room`: type and code and
// message, so two rooms can be compared answer by answer.
std::vector<std::string> outsider_answers(peer& p, const std::string& room) {
    std::vector<std::string> out;
    const auto record = [&](const std::string& r) {
        out.push_back(json_field(r, "type") + "/" + json_field(r, "code") + "/" + json_field(r, "message"));
    };
    record(p.ask("join", room_field(room)));
    record(p.ask("join", room_field(room) + R"(,"since":0)"));
    record(p.ask("history", room_field(room)));
    record(p.ask("send", room_field(room) + R"(,"text":"let me in","client_id":"x1")"));
    record(p.ask("members", room_field(room)));
    record(p.ask("react", room_field(room) + R"(,"seq":1,"emoji":"+1","client_id":"x2")"));
    record(p.ask("read", room_field(room) + R"(,"seq":1)"));
    record(p.ask("invite", room_field(room) + R"(,"user":"mallory","client_id":"x3")"));
    return out;
}

TEST_F(authz_e2e, a_non_member_learns_nothing_of_a_private_or_direct_room_not_even_that_it_exists) {
    auto alice = signed_in("alice");
    auto bob = signed_in("bob");
    auto mallory = signed_in("mallory");
    const std::string team = created(alice, "private");
    const std::string direct = json_field(alice.ask("open_direct", R"("users":["bob"])"), "room");
    ASSERT_EQ(direct.front(), '!');
    joins(alice, team);
    joins(alice, direct);
    acked(alice, "invite", room_field(team) + R"(,"user":"bob")");
    for (const auto& room : {team, direct}) {
        joins(bob, room);
        acked(alice, "send", room_field(room) + R"(,"text":"secret plans")");
    }

    const auto missing = outsider_answers(mallory, "!nosuchroomatall");
    EXPECT_EQ(missing.front(), "error/not_found/" + json_field(mallory.ask("join", room_field("!nosuch2")), "message"));
    for (const auto& room : {team, direct}) {
        SCOPED_TRACE(room);
        EXPECT_EQ(outsider_answers(mallory, room), missing) << "every answer as for a room that does not exist";
        // Members type, speak, come and go; nothing of it reaches mallory.
        alice.ws->send(R"({"type":"typing",)" + room_field(room) + "}");
        bob.wait_push("typing", room);
        acked(alice, "send", room_field(room) + R"(,"text":"still secret")");
        bob.wait_push("message", room);
        EXPECT_EQ(bob.outcome("leave", room_field(room)), "left");
        alice.wait_push("presence", room);
        joins(bob, room);
        alice.wait_push("presence", room);
        EXPECT_EQ(mallory.outcome("ping"), "pong");  // after anything the room could have sent her
        EXPECT_TRUE(mallory.about(room).empty()) << mallory.about(room).front();
    }
}

TEST_F(authz_e2e, a_join_refused_never_opens_the_history_even_for_a_moment) {
    auto alice = signed_in("alice");
    auto mallory = signed_in("mallory");
    const std::string team = created(alice, "private");
    joins(alice, team);
    acked(alice, "send", room_field(team) + R"(,"text":"secret plans")");
    // Each join with a history right behind it, many times over: the
    // history must never come between the join's start and its refusal.
    constexpr int tries = 15;
    for (int i = 0; i < tries; ++i) {
        mallory.ws->send(R"({"type":"join","id":)" + std::to_string(1000 + 2 * i) + "," + room_field(team) + "}");
        mallory.ws->send(R"({"type":"history","id":)" + std::to_string(1001 + 2 * i) + "," + room_field(team) + "}");
    }
    int answered = 0;
    while (answered < 2 * tries) {
        auto f = mallory.ws->next();
        ASSERT_TRUE(f) << "an answer is missing";
        if (json_field(*f, "id") == "<absent>") continue;
        ++answered;
        EXPECT_EQ(json_field(*f, "type"), "error") << *f;
        EXPECT_EQ(f->find("secret plans"), std::string::npos) << *f;
    }
}

TEST_F(authz_e2e, a_banned_user_is_put_out_told_why_and_kept_out_until_unbanned) {
    auto alice = signed_in("alice");
    auto bob = signed_in("bob");
    auto bob_phone = signed_in("bob");
    const std::string lounge = created(alice, "public", "lounge");
    const std::string team = created(alice, "private");
    joins(alice, lounge);
    joins(alice, team);
    acked(alice, "invite", room_field(team) + R"(,"user":"bob")");
    for (const auto& room : {lounge, team}) {
        SCOPED_TRACE(room);
        joins(bob, room);
        joins(bob_phone, room);
        acked(alice, "ban", room_field(room) + R"(,"user":"bob")");
        for (auto* p : {&bob, &bob_phone}) {
            const std::string removed = p->wait_push("removed", room);
            EXPECT_EQ(json_field(removed, "reason"), "banned");
        }
        acked(alice, "send", room_field(room) + R"(,"text":"after the ban")");
        EXPECT_EQ(bob.outcome("send", room_field(room) + R"(,"text":"hi","client_id":"b9")"), "not_in_room");
        EXPECT_EQ(bob.outcome("join", room_field(room)), "banned");
        EXPECT_EQ(bob.outcome("history", room_field(room)), "not_in_room");
        EXPECT_EQ(bob.outcome("ping"), "pong");
        for (const auto& f : bob.about(room)) EXPECT_EQ(f.find("after the ban"), std::string::npos) << f;
    }
    acked(alice, "unban", room_field(lounge) + R"(,"user":"bob")");
    EXPECT_EQ(bob.outcome("join", room_field(lounge)), "joined");
}

TEST_F(authz_e2e, a_muted_member_reads_but_cannot_send_edit_or_react) {
    auto alice = signed_in("alice");
    auto bob = signed_in("bob");
    const std::string lounge = created(alice, "public", "lounge");
    joins(alice, lounge);
    joins(bob, lounge);
    acked(bob, "send", room_field(lounge) + R"(,"text":"before")");
    acked(alice, "mute", room_field(lounge) + R"(,"user":"bob")");
    acked(alice, "send", room_field(lounge) + R"(,"text":"you may read this")");
    const std::string line = bob.wait_push("message", lounge);
    EXPECT_EQ(json_field(line, "text"), "you may read this");
    const std::string page = bob.ask("history", room_field(lounge));
    const auto seq_of = [&](const std::string& text) { return seq_in(page, text); };
    EXPECT_EQ(bob.outcome("send", room_field(lounge) + R"(,"text":"hello?","client_id":"b2")"), "muted");
    EXPECT_EQ(bob.outcome("edit", room_field(lounge) + R"(,"seq":)" + seq_of("before") +
                                      R"(,"text":"changed","client_id":"b3")"),
              "muted");
    EXPECT_EQ(bob.outcome("react", room_field(lounge) + R"(,"seq":)" + seq_of("you may read this") +
                                       R"(,"emoji":"+1","client_id":"b4")"),
              "muted");
    acked(alice, "unmute", room_field(lounge) + R"(,"user":"bob")");
    EXPECT_EQ(bob.outcome("send", room_field(lounge) + R"(,"text":"thanks","client_id":"b5")"), "ack");
}

TEST_F(authz_e2e, a_guest_stays_in_public_rooms) {
    auto alice = signed_in("alice");
    auto gus = guest("gus");
    const std::string team = created(alice, "private");
    EXPECT_EQ(gus.outcome("create_room", R"("kind":"private")"), "forbidden");
    EXPECT_EQ(gus.outcome("create_room", R"("kind":"public","room":"gusroom")"), "forbidden");
    EXPECT_EQ(gus.outcome("open_direct", R"("users":["alice"])"), "forbidden");
    EXPECT_EQ(alice.outcome("open_direct", R"("users":["guest:gus"])"), "forbidden");
    joins(alice, team);
    EXPECT_EQ(alice.outcome("invite", room_field(team) + R"(,"user":"guest:gus","client_id":"i1")"), "forbidden");
    EXPECT_EQ(gus.outcome("join", room_field(team)), "not_found");
    EXPECT_EQ(gus.outcome("join", room_field("general")), "joined") << "public rooms are open to guests";
}

// The binary itself, as an identity provider's users meet it.
TEST(authz_binary, a_token_is_honoured_only_while_it_is_valid) {
    const auto dir = std::filesystem::temp_directory_path() / ("chatd-authz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        chatd_process chatd(dir / "chat.db", {"--jwt-secret", secret});
        ASSERT_NE(chatd.port(), 0) << "chatd did not start";
        ws_client late(chatd.port());
        late.send(R"({"type":"identify","id":1,"token":")" + token("alice", -1) + R"("})");
        const auto refused = late.wait_for("error");
        ASSERT_TRUE(refused);
        EXPECT_EQ(json_field(*refused, "code"), "auth_failed");
        late.send(R"({"type":"join","id":2,"room":"general"})");
        const auto still_nobody = late.wait_for("error");
        ASSERT_TRUE(still_nobody);
        EXPECT_EQ(json_field(*still_nobody, "code"), "not_identified");

        ws_client brief(chatd.port());
        brief.send(R"({"type":"identify","id":1,"token":")" + token("bob", 1.5) + R"("})");
        ASSERT_TRUE(brief.wait_for("identified"));
        brief.send(R"({"type":"join","id":2,"room":"general"})");
        ASSERT_TRUE(brief.wait_for("joined"));
        EXPECT_EQ(brief.wait_closed(), 4001) << "closed when its token expires";
    }
    std::filesystem::remove_all(dir);
}

TEST_F(authz_e2e, a_tokens_rooms_let_its_user_into_a_private_room_with_the_granted_role) {
    auto alice = signed_in("alice");
    const std::string team = created(alice, "private");
    joins(alice, team);
    auto bob = signed_in("bob", 3600, R"("rooms":{")" + team + R"(":"admin"})");
    const std::string welcome = bob.ask("join", room_field(team));
    ASSERT_EQ(json_field(welcome, "type"), "joined") << welcome;
    EXPECT_EQ(json_field(welcome, "role"), "admin");
    const std::string event = alice.wait_push("event", team);
    EXPECT_EQ(json_field(event, "action"), "join");
    EXPECT_EQ(json_field(event, "user"), "bob");
    EXPECT_EQ(json_field(event, "role"), "admin");
    acked(bob, "send", room_field(team) + R"(,"text":"granted")");
    // Without the grant, carol stays outside.
    auto carol = signed_in("carol", 3600, R"("rooms":{"general":"member"})");
    EXPECT_EQ(carol.outcome("join", room_field(team)), "not_found");
}

}  // namespace
