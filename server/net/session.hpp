#pragma once

#include "act/actor.hpp"
#include "chat/chat_metrics.hpp"
#include "chat/messages.hpp"
#include "net/connection_handler.hpp"
#include "protocol/decoder.hpp"
#include "protocol/limits.hpp"
#include "protocol/requests.hpp"
#include "storage/writer_messages.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::net {

class ws_connection;

/// A text frame the connection read (told by the connection's adapter).
struct frame_in {
    std::string text;
};
/// The connection stopped reading (told by the connection's adapter).
struct connection_closed {
    close_info why;
};

/// What every session is given; one copy shared by all.
struct session_config {
    act::ref<chat::open_room> lobby;
    act::ref<storage::read_history> storage;
    protocol::limits limits{};
    std::size_t max_rooms = 50;       ///< rooms one connection may be in
    double room_creations_per_minute = 30;  ///< rooms not running that one connection may start, refilled continuously
    double rate_per_second = 20;      ///< requests, refilled continuously
    double rate_burst = 40;           ///< bucket size
    int abuse_threshold = 50;         ///< consecutive rate_limited replies before closing with 4002
    bool allow_guests = true;
    std::string jwt_secret;  ///< HS256 secret for token sign-in; empty: tokens are refused
    /// A history reply holds the newest lines that fit in this many bytes (at
    /// least one line). The server sets it to a quarter of the outbound budget,
    /// so a reply never gets its reader cut off with 4000.
    std::size_t max_history_reply_bytes = 256 * 1024;
    const chat::chat_metrics* metrics = nullptr;  ///< where to count; null: not counted
    act::duration ask_timeout = std::chrono::seconds(10);
};

/// One WebSocket connection speaking docs/protocol.md: decodes each frame
/// once into a plain struct, answers or forwards it to the lobby, a room or
/// storage, and writes what rooms deliver. Bad input gets an error reply
/// with a stable code; the connection and everyone else carry on.
/// Runs as an actor; its members are for its own turn.
class session final : public act::actor<frame_in, connection_closed, chat::deliver, chat::room_reset> {
public:
    session(std::shared_ptr<ws_connection> conn, std::shared_ptr<const session_config> cfg);

    void on_stop() override;

    void handle(const frame_in& f) override;
    void handle(const connection_closed& c) override;
    void handle(const chat::deliver& d) override;
    void handle(const chat::room_reset& r) override;

private:
    void on_request(const protocol::request& r);
    void identify(const protocol::request_id& id, const protocol::identify_request& m);
    void join(const protocol::request_id& id, const protocol::join_request& m);
    void leave(const protocol::request_id& id, const protocol::leave_request& m);
    void send(const protocol::request_id& id, const protocol::send_request& m);
    void history(const protocol::request_id& id, const protocol::history_request& m);
    void typing(const protocol::request_id& id, const protocol::typing_request& m);
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
        bool joined = false;         // the room has confirmed (joined sent)
    };
    using membership_list = std::vector<membership>;
    membership_list::iterator find_room(std::string_view name);

    std::shared_ptr<ws_connection> conn_;
    std::shared_ptr<const session_config> cfg_;  // shared: a copy each was 130 B a connection
    std::string user_;  // empty until identified
    // A few rooms at most (max_rooms), searched in order: a vector is a
    // quarter of a map's 96 B per room, and a connection is in one or two.
    membership_list rooms_;
    act::time_point refilled_{};
    // A float and an int in one word: a token count needs no more, and it
    // keeps the session in a smaller heap chunk (one per connection).
    float tokens_;
    int limited_in_a_row_ = 0;
    float room_creations_;  // refilled with tokens_, by take_token
    // Signed in with a token: the timer that closes the connection when the
    // token expires (0: none, a guest or not identified).
    std::uint64_t expiry_timer_ = 0;
};

/// Turns a connection's callbacks into messages to its session actor.
class session_adapter final : public connection_handler {
public:
    session_adapter(session::ref_type s, std::shared_ptr<ws_connection> conn)
        : session_(std::move(s)), conn_(std::move(conn)) {}
    void on_text(std::string frame) override;
    void on_closed(close_info why) override;

private:
    session::ref_type session_;
    std::weak_ptr<ws_connection> conn_;
};

}  // namespace chatd::net
