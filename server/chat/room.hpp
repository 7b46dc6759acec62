#pragma once

#include "act/actor.hpp"
#include "chat/cluster_messages.hpp"
#include "chat/messages.hpp"
#include "chat/room_options.hpp"
#include "chat/room_policy.hpp"
#include "chat/seq_gate.hpp"
#include "chat/user_notifier.hpp"
#include "protocol/error_code.hpp"
#include "storage/writer_messages.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chatd::chat {

struct chat_metrics;

/// One chat room: its members, their presence and typing, and the order of
/// its messages. A line is sent to storage, which numbers and commits it;
/// only then does the room push it, encoded once, to every member, and ack
/// the sender — so no one ever sees a line that is not in the history.
/// It starts from the room's stored row and members, and decides every
/// join and change by its room_policy; other events (edits, moderation,
/// the topic) go to storage and out the same way as lines.
/// With a cluster bus (`bus`), its events also come from the other nodes'
/// rooms of its name, and every event, its own too, reaches its members
/// through a seq_gate: in seq order, once, with gaps filled from storage.
/// Runs as an actor: every member function is for its own turn.
class room final
    : public act::actor<join, leave, post, typing, change, list_members, crash_room, server_post, app_change,
                        room_created, storage::append_done, idle_check, retire_room, remote_event, bus_catch_up,
                        gap_check, remote_presence, presence_snapshot, presence_node_gone, presence_check> {
public:
    using storage_ref = act::ref<storage::append, storage::read_history, storage::read_room>;
    using lobby_ref = act::ref<room_idle>;

    /// `lobby` hears when the room has been idle for opts.idle_timeout;
    /// without one the room runs until it is stopped. `users` reaches the
    /// connections of a user added to the room or taken out of it (null:
    /// only its connections in the room hear of it).
    room(std::string name, storage_ref storage, room_options opts, lobby_ref lobby = {},
         const chat_metrics* metrics = nullptr, cluster_link bus = {}, user_notifier* users = nullptr);
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
    void handle(const change& m) override;
    void handle(const list_members& m) override;
    void handle(const crash_room& m) override;
    void handle(const server_post& m, act::promise<posted> reply) override;
    void handle(const app_change& m, act::promise<posted> reply) override;
    void handle(const room_created& m) override;
    void handle(const storage::append_done& m) override;
    void handle(const idle_check& m) override;
    bool handle(const retire_room& m) override;
    void handle(const remote_event& m) override;
    void handle(const bus_catch_up& m) override;
    void handle(const gap_check& m) override;
    void handle(const remote_presence& m) override;
    void handle(const presence_snapshot& m) override;
    void handle(const presence_node_gone& m) override;
    void handle(const presence_check& m) override;

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
        session_ref session;  // invalid: nobody to answer (a join's member event)
        protocol::request_id id;
        storage::new_message row;
        act::promise<posted> reply;  // a server_post's: answered instead of an ack to `session`
    };

    void on_loaded(const act::result<storage::answer<storage::room_state>>& r);
    bool append(std::uint64_t token, const storage::new_message& row);
    void admit(const join& m);
    void decide_join(const join& m);
    void refuse(const join& m, protocol::error_code code, std::string_view message);
    void refuse_all_and_retire(protocol::error_code code, std::string_view message);
    bool honours_grant(const join& m) const;
    bool join_granted(const join& m);
    bool append_membership(const std::string& user, storage::member_action action, std::uint64_t conn_id,
                           member_role role = member_role::member, std::string_view sender = {});
    void start_change(const change& m, act::promise<posted> reply);
    void decide_change(const change& m, std::string_view line_sender, act::promise<posted> reply);
    void look_up_line(const change& m, std::uint64_t seq, act::promise<posted> reply);
    void refuse_change(const change& m, act::promise<posted>& reply, protocol::error_code code, std::string message);
    void serve_held_changes();
    void committed(const pending_post& p, std::uint64_t seq, std::int64_t ts_ms);
    std::vector<std::string> mentions_in(std::string_view text, std::string_view sender) const;
    // `origin`: the connection here whose request made the event (0: none
    // known, as for another node's), which the user's pushes leave out.
    void let_through(const cluster_event& e, std::uint64_t origin = 0);
    void apply_member_event(const storage::new_message& row);
    void tell_user(const storage::new_message& row, std::uint64_t origin);
    std::vector<std::uint64_t> conns_of(const std::string& user) const;
    void take_on(const storage::room_state& made);
    // The cluster (room_cluster.cpp).
    void offer(cluster_event e, std::uint64_t origin = 0);
    void fill_from_store();
    void arm_gap_check();
    void unsubscribe_user(const std::string& user, const frame& data);
    // Presence across nodes (room_cluster.cpp).
    void user_arrived(const std::string& user, std::uint64_t conn);
    void user_departed(const std::string& user);
    void remote_add(const std::string& node, const std::string& user);
    void remote_remove(const std::string& node, const std::string& user);
    void read_presence();
    void admit_waiting();
    std::size_t present_count() const { return users_.size() + remote_.size() - overlap_; }
    std::int64_t wall_ms() const;
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
    bool gone_ = false;   // a '!' name storage does not know (or storage failed): every join is refused
    protocol::error_code gone_code_ = protocol::error_code::not_found;  // with this
    bool idle_timer_ = false;          // an idle_check is due
    act::time_point idle_since_{};     // when idle() last became true
    std::uint64_t last_seq_ = 0;
    room_policy policy_{room_kind::public_room};  // loaded at start, updated as member events commit
    std::string topic_;
    std::uint32_t lookups_ = 0;         // storage reads under way for a change (a delete's line)
    std::vector<join> waiting_;  // joins that came before the room was ready
    std::vector<std::pair<app_change, act::promise<posted>>> held_changes_;  // app changes, likewise
    std::unordered_map<std::uint64_t, member> members_;  // by connection (session) id
    user_counts users_;  // connections per user, for presence
    std::unordered_map<std::uint64_t, pending_post> pending_;  // by append token
    std::uint64_t next_token_ = 0;
    cluster_link bus_;      // off: one node, events go out as they commit
    user_notifier* users_told_;  // null: a user's connections outside the room are not told
    std::unique_ptr<storage::room_state> created_;  // a room_created that came before the room was ready
    seq_gate gate_;         // with a bus: what members have been given, in order
    bool filling_ = false;  // a read of the store for the gate is under way
    bool gap_timer_ = false;     // a gap_check is due
    bool catch_up_due_ = false;  // a read of the store is due: asked for while not ready or reading, or one failed
    std::uint8_t failed_fills_ = 0;  // reads of the store for the gate that failed in a row (saturating): the backoff
    std::uint32_t empty_fills_ = 0;  // reads in a row that found nothing after the gate's last, with a gap left
    // Users in the room on other nodes (by the bus), with the nodes that
    // have them; a user is present while it is in users_ or here.
    std::unordered_map<std::string, std::vector<std::string>> remote_;
    std::size_t overlap_ = 0;  // users both in users_ and in remote_
    bool presence_due_ = false;  // with a bus: joins wait for the first snapshot (or opts_.presence_wait)
};

}  // namespace chatd::chat
