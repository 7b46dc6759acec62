#pragma once

// The session layer: one actor per client connection, between the
// connection (transport::connection, implemented by net/) and the chat
// actors. It never sees a socket: tests drive it with a fake connection.

#include "act/actor.hpp"
#include "auth/jwt.hpp"
#include "chat/chat_metrics.hpp"
#include "chat/messages.hpp"
#include "protocol/requests.hpp"
#include "session/session_config.hpp"
#include "session/user_directory.hpp"
#include "storage/writer_messages.hpp"
#include "transport/connection.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::session {

namespace close_code = transport::close_code;

/// A text frame the connection read (told by the connection's adapter).
struct frame_in {
    std::string text;
};
/// The connection stopped reading (told by the connection's adapter).
struct connection_closed {
    std::string detail;  ///< why, for the log: "client closed 1000", "slow consumer"...
};

/// The user the server itself speaks as (the HTTP API's posts). No client
/// may identify as it: a token with this sub is refused, and so is a guest
/// of this name on a guests-only server (elsewhere guests are "guest:...").
inline constexpr std::string_view system_user = "system";

/// What every session shares: its settings and whom it talks to. Made once
/// by app/ when the lobby and storage run; each session holds a pointer to
/// it (a copy each would be ~130 B a connection).
struct session_context {
    using wall_clock_fn = std::chrono::system_clock::time_point (*)();
    /// What a session asks storage itself: history pages, new rooms, read
    /// markers and the user's rooms.
    using storage_ref =
        act::ref<storage::read_history, storage::create_room, storage::mark_read, storage::read_user_rooms>;

    session_context(session_config c, act::ref<chat::open_room> lobby_ref, storage_ref storage_asked,
                    const chat::chat_metrics* counters = nullptr, wall_clock_fn clock = nullptr,
                    user_directory* user_sessions = nullptr)
        : cfg(std::move(c)),
          lobby(std::move(lobby_ref)),
          storage(std::move(storage_asked)),
          metrics(counters),
          wall_clock(clock != nullptr ? clock : +[] { return std::chrono::system_clock::now(); }),
          users(user_sessions) {}

    const session_config cfg;
    const act::ref<chat::open_room> lobby;
    const storage_ref storage;
    const chat::chat_metrics* const metrics;  ///< where to count; null: not counted
    /// Token expiry is wall-clock time; tests give a clock they move.
    const wall_clock_fn wall_clock;
    /// Every identified session by user (thread-safe; outlives the
    /// sessions); null: a user's other connections are not told its markers.
    user_directory* const users;
};

/// One client connection speaking docs/protocol.md: decodes each frame
/// once into a plain struct, answers or forwards it to the lobby, a room or
/// storage, and writes what rooms deliver. Bad input gets an error reply
/// with a stable code; the connection and everyone else carry on.
/// Runs as an actor; its members are for its own turn.
class client_session final
    : public act::actor<frame_in, connection_closed, chat::deliver, chat::room_reset, chat::unsubscribed, user_push> {
public:
    client_session(std::shared_ptr<transport::connection> conn, std::shared_ptr<const session_context> ctx);

    void on_stop() override;

    void handle(const frame_in& f) override;
    void handle(const connection_closed& c) override;
    void handle(const chat::deliver& d) override;
    void handle(const chat::room_reset& r) override;
    void handle(const chat::unsubscribed& u) override;
    void handle(const user_push& p) override;

private:
    void on_request(const protocol::request& r);
    void identify(const protocol::request_id& id, const protocol::identify_request& m);
    void join(const protocol::request_id& id, const protocol::join_request& m);
    void open(const protocol::request_id& id, const protocol::join_request& m, std::optional<chat::read_counts> counts);
    void leave(const protocol::request_id& id, const protocol::leave_request& m);
    void send(const protocol::request_id& id, const protocol::send_request& m);
    void history(const protocol::request_id& id, const protocol::history_request& m);
    void typing(const protocol::request_id& id, const protocol::typing_request& m);
    void change(const protocol::request_id& id, const std::string& room, chat::change::body_type body);
    void members(const protocol::request_id& id, const protocol::members_request& m);
    void create_room(const protocol::request_id& id, const protocol::create_room_request& m);
    void open_direct(const protocol::request_id& id, const protocol::open_direct_request& m);
    void read(const protocol::request_id& id, const protocol::read_request& m);
    void make_room(const protocol::request_id& id, storage::new_room room);
    void reply_room(const protocol::request_id& id, const storage::room_state& state);
    void made_room(const storage::room_state& state);
    void signed_in(const protocol::request_id& id);
    void release_held();
    void arm_token_expiry(std::chrono::system_clock::time_point expires);
    void on_token_expiry(std::chrono::system_clock::time_point expires);
    bool admit(const protocol::request_id& id, bool quietly);
    bool take_token();
    void write(std::string json);
    void fail(const protocol::request_id& id, protocol::error_code code, std::string_view message);

    struct membership {
        std::string name;
        chat::room_ref room;
        std::uint64_t last_seq = 0;  // newest message seen, to rejoin after a room restart
        bool joined = false;         // the room has admitted the join (its first deliver is `joined`)
    };
    using membership_list = std::vector<membership>;
    membership_list::iterator find_room(std::string_view name);
    bool admitted(std::string_view name);  // the room has let this connection in

    std::shared_ptr<transport::connection> conn_;
    std::shared_ptr<const session_context> ctx_;  // shared by all sessions
    const session_config& cfg() const noexcept { return ctx_->cfg; }
    std::string user_;  // empty until identified
    // Frames that came while identify's room list was read: handled, in
    // order, after `identified` is written (null: none held).
    std::unique_ptr<std::vector<std::string>> held_;
    // A few rooms at most (max_rooms), searched in order: a vector is a
    // quarter of a map's 96 B per room, and a connection is in one or two.
    membership_list rooms_;
    act::time_point refilled_{};
    // A float and an int in one word: a token count needs no more, and it
    // keeps the session in a smaller heap chunk (one per connection).
    float tokens_;
    int limited_in_a_row_ = 0;
    float room_creations_;  // refilled with tokens_, by take_token
    bool guest_ = false;    // identified as a guest: public rooms only
    bool listed_ = false;   // in ctx_->users (from the first identify until on_stop)
    // Signed in with a token: the timer that closes the connection when the
    // token expires (0: none, a guest or not identified).
    std::uint64_t expiry_timer_ = 0;
    // The rooms the token grants (null: none, as for most): a pointer, so a
    // connection without grants pays 8 B.
    std::unique_ptr<const std::vector<auth::room_grant>> grants_;
    std::optional<protocol::member_role> granted_role(std::string_view room) const;
};

}  // namespace chatd::session
