#pragma once

#include "act/actor.hpp"
#include "chat/messages.hpp"
#include "chat/room_options.hpp"
#include "protocol/error_code.hpp"
#include "storage/writer_messages.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace chatd::chat {

struct chat_metrics;

/// One chat room: its members, their presence and typing, and the order of
/// its messages. A line is sent to storage, which numbers and commits it;
/// only then does the room push it, encoded once, to every member, and ack
/// the sender — so no one ever sees a line that is not in the history.
/// Runs as an actor: every member function is for its own turn.
class room final
    : public act::actor<join, leave, post, typing, crash_room, server_post, storage::append_done, idle_check,
                        retire_room> {
public:
    using storage_ref = act::ref<storage::append, storage::read_history, storage::read_last_seq>;
    using lobby_ref = act::ref<room_idle>;

    /// `lobby` hears when the room has been idle for opts.idle_timeout;
    /// without one the room runs until it is stopped.
    room(std::string name, storage_ref storage, room_options opts, lobby_ref lobby = {},
         const chat_metrics* metrics = nullptr);
    ~room() override;
    room(const room&) = delete;
    room& operator=(const room&) = delete;

    void on_start() override;
    void on_stop() override;
    void on_down(const act::down_notice& d) override;

    void handle(const join& m) override;
    void handle(const leave& m) override;
    void handle(const post& m) override;
    void handle(const typing& m) override;
    void handle(const crash_room& m) override;
    void handle(const server_post& m, act::promise<posted> reply) override;
    void handle(const storage::append_done& m) override;
    void handle(const idle_check& m) override;
    bool handle(const retire_room& m) override;

private:
    /// A member's replay under way: live frames are held back until it is done.
    struct replay_state {
        std::vector<deliver> buffered;
        std::size_t buffered_bytes = 0;
        bool overflowed = false;  // frames were left out: the replay says complete:false
        std::uint8_t reads = 0;   // storage reads so far (see max_replay_reads)
    };
    /// Reads one replay may make: it reads again when live lines it held
    /// back overflowed; after the last, the overflow leaves a gap after
    /// `through` and the replay says complete:false.
    static constexpr std::uint8_t max_replay_reads = 3;
    using user_counts = std::unordered_map<std::string, std::uint32_t>;  // connections per user
    // Held by the thousand, so kept small: the user's name is its entry in
    // users_ (whose nodes do not move), and what only some members need (a
    // replay) hangs off a pointer.
    struct member {
        user_counts::value_type* user;  // {name, connections}; erased only with the user's last member
        session_ref session;
        act::time_point last_typing = act::time_point::min();  // min: never
        std::unique_ptr<replay_state> replay;                  // null unless replaying
    };
    struct pending_post {
        std::uint64_t conn_id;
        session_ref session;
        protocol::request_id id;
        std::string user;
        std::string client_id;
        std::string text;
        act::promise<posted> reply;  // a server_post's: answered instead of an ack to `session`
    };

    bool append(std::uint64_t token, const std::string& user, const std::string& client_id, const std::string& text,
                std::int64_t ts_ms);
    void admit(const join& m);
    void start_replay(std::uint64_t conn_id, std::uint64_t since);
    void finish_replay(std::uint64_t conn_id, std::uint64_t since, const act::result<storage::read_result>& r);
    void remove_member(std::uint64_t conn_id);
    void send_to(member& m, frame data, std::uint64_t seq = 0);
    void broadcast(const frame& data, std::uint64_t seq, std::uint64_t except_conn = 0);
    void reply_error(const session_ref& s, const protocol::request_id& id, protocol::error_code code,
                     std::string message);
    std::vector<std::string> member_names() const;
    bool idle() const;
    void note_if_idle();

    std::string name_;
    storage_ref storage_;
    room_options opts_;
    lobby_ref lobby_;
    const chat_metrics* metrics_;  // where to count; null: not counted (tests)
    bool ready_ = false;  // last_seq_ is known
    bool idle_timer_ = false;          // an idle_check is due
    act::time_point idle_since_{};     // when idle() last became true
    std::uint64_t last_seq_ = 0;
    std::vector<join> waiting_;  // joins that came before the room was ready
    std::unordered_map<std::uint64_t, member> members_;  // by connection (session) id
    user_counts users_;  // connections per user, for presence
    std::unordered_map<std::uint64_t, pending_post> pending_;  // by append token
    std::uint64_t next_token_ = 0;
};

}  // namespace chatd::chat
