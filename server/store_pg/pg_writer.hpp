#pragma once

// The PostgreSQL writer: the storage actor of cluster mode, a drop-in for
// storage::writer. It answers the same messages (storage/writer_messages.hpp)
// with the same meaning: appends batched into one transaction committed as
// soon as the writer is idle, acked only after COMMIT; reads after the
// pending writes. Several nodes may run one each against the same database.

#include "act/actor.hpp"
#include "act/executor.hpp"
#include "store_pg/pg_store.hpp"
#include "storage/writer_messages.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace chatd::store_pg {

struct pg_writer_options {
    /// Where: a postgres:// (or postgresql://) URL, or libpq's key=value form.
    std::string conninfo;
    std::filesystem::path schema_dir = std::filesystem::path(CHATD_SCHEMA_DIR) / "postgres";  ///< its migrations
    /// The most writes one transaction holds; see storage::writer_options.
    std::size_t max_batch = 256;
    /// A batch refused with a conflict worth retrying (a deadlock, a unique
    /// key another node took) is tried again after retry_backoff, doubling,
    /// until retry_attempts attempts have failed.
    act::duration retry_backoff = std::chrono::milliseconds(10);
    std::uint32_t retry_attempts = 8;
    /// With the server gone, a new connection is tried after
    /// reconnect_backoff, doubling up to reconnect_max.
    act::duration reconnect_backoff = std::chrono::milliseconds(100);
    act::duration reconnect_max = std::chrono::seconds(5);
    /// How long start-up keeps trying to reach the server before it gives up
    /// (the node then does not start).
    std::chrono::milliseconds startup_wait = std::chrono::seconds(30);
    /// The most writes held while a refused batch waits for its retry.
    std::size_t max_waiting = 4096;
};

/// Observers, called on the writer's thread (quick; may be empty).
struct pg_writer_hooks {
    std::function<void(std::size_t batch_size, std::chrono::nanoseconds took)> on_commit;
    std::function<void(const error& why)> on_failure;
    /// After on_start tried to connect and migrate: nullptr when it did.
    std::function<void(const error* why)> on_open;
};

/// Spawn it bound to a thread of its own (every libpq call blocks). A lost
/// connection fails the batch in flight and everything queued (`failed`:
/// clients get `unavailable` and resend with the same client_id, which the
/// store recognises as a duplicate if the COMMIT did land), answers new
/// writes `failed` at once and check_ready false, and reconnects with
/// backoff. Otherwise check_ready is a round trip: true while the server
/// answers at the schema version, whatever became of the last batch. Only
/// on_start throws (storage::startup_error).
class pg_writer final : public act::actor<append, create_room, mark_read, read_history, read_since, read_last_seq,
                                          read_room, read_user_rooms, list_rooms, check_ready> {
public:
    /// Throws std::invalid_argument if max_batch or retry_attempts is 0.
    explicit pg_writer(pg_writer_options options, pg_writer_hooks hooks = {});

    void on_start() override;
    /// Commits the pending writes (one attempt).
    void on_stop() override;

    void handle(const append& m) override;
    void handle(const create_room& m, act::promise<answer<create_outcome>> reply) override;
    void handle(const mark_read& m, act::promise<answer<mark_outcome>> reply) override;
    read_result handle(const read_history& m) override;
    read_result handle(const read_since& m) override;
    std::uint64_t handle(const read_last_seq& m) override;
    answer<room_state> handle(const read_room& m) override;
    answer<std::vector<user_room>> handle(const read_user_rooms& m) override;
    answer<room_list> handle(const list_rooms& m) override;
    bool handle(const check_ready& m) override;

private:
    struct append_reply {
        std::uint64_t token;
        act::ref<append_done> reply_to;
    };
    using waiting_reply = std::variant<append_reply, act::promise<answer<create_outcome>>,
                                       act::promise<answer<mark_outcome>>>;

    void admit(write_op w, waiting_reply reply);
    template <class T, class Read>
    answer<T> read(Read&& from_store);
    /// An append is told `failed` (its sender may resend), or `rejected`
    /// for `reason` (for good); a promise is answered not ok with `why`.
    static void refuse(waiting_reply& reply, const std::string& why, reject_reason reason = reject_reason::none);
    void flush();
    void flush_if_idle();
    void commit_front();
    void answer_front(std::vector<write_outcome>& outcomes);
    void fail_front(std::size_t n, const std::string& why);
    void seen(const error& e);
    void lose(const error& why);
    void on_reconnect();
    bool retrying() const noexcept { return retry_timer_ != 0; }

    pg_writer_options opts_;
    pg_writer_hooks hooks_;
    std::optional<pg_store> store_;  // empty while the server is unreachable
    std::vector<write_op> rows_;     // the queue, in arrival order; rows_[i] is answered to replies_[i]
    std::vector<waiting_reply> replies_;
    std::size_t refused_batch_ = 0;
    std::uint32_t attempts_ = 0;
    std::uint64_t retry_timer_ = 0;
    std::uint64_t reconnect_timer_ = 0;
    act::duration reconnect_wait_{};
    bool stopping_ = false;
};

}  // namespace chatd::store_pg
