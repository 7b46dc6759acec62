#pragma once

// The storage writer: the one actor that owns the message store. It commits
// appends as soon as it is idle, batching those that queued up meanwhile
// into one transaction each, retries a batch the database refused
// for a while, and answers reads after committing what came before them.

#include "act/actor.hpp"
#include "act/executor.hpp"
#include "act/ref.hpp"
#include "storage/checkpointer.hpp"
#include "storage/db_file.hpp"
#include "storage/message_store.hpp"
#include "storage/result.hpp"
#include "storage/rows.hpp"
#include "storage/writer_messages.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace chatd::storage {

/// How a batch refused with `busy` or `io` is tried again: after
/// initial_backoff, then twice as long each time up to max_backoff, until
/// max_attempts attempts (the first one included) have failed.
struct retry_policy {
    act::duration initial_backoff = std::chrono::milliseconds(10);
    act::duration max_backoff = std::chrono::seconds(1);
    std::uint32_t max_attempts = 8;
};

struct writer_options {
    store_options store;  ///< the database; opened in on_start, on the writer's thread
    /// The most writes (appends, room creations, read markers) one commit
    /// holds. They are committed as soon as the writer has no other message
    /// waiting (no fixed delay); what arrives while a commit runs waits in
    /// the mailbox and makes the next batch, up to this many.
    std::size_t max_batch = 256;
    retry_policy retry;
    /// The most writes held while a refused batch waits for its retry (that
    /// batch included). A write beyond it is answered failed at once.
    std::size_t max_waiting = 4096;
    /// A checkpoint is asked of writer_hooks::checkpointer whenever a
    /// commit leaves this many pages or more in the WAL that no checkpoint
    /// has copied, and none is under way.
    std::uint32_t checkpoint_pages = 1000;
    /// How often, between batches, the writer checks that the database path
    /// still names the file it opened and that the file is writable (it also
    /// checks before every commit and every readiness check). 0: never on a timer.
    act::duration watch_interval = std::chrono::seconds(5);
    /// How often PRAGMA quick_check runs on the writer's thread, between
    /// batches (it also runs at start-up). 0: only at start-up.
    act::duration integrity_check_interval = std::chrono::minutes(5);
};

/// Whom the writer talks to and who watches it: not settings but
/// constructor arguments, given by app/ (or a test) next to writer_options.
struct writer_hooks {
    /// Asked for a checkpoint (see writer_options::checkpoint_pages). Empty:
    /// the writer's commits checkpoint at store.wal_limit_pages themselves,
    /// and wait for it.
    act::ref<checkpoint_wal> checkpointer;

    // Observers, called on the writer's thread: quick, and safe to call
    // from that thread (an atomic counter, a histogram). Empty: not called.
    /// After each successful commit: how many writes, and how long write_batch took.
    std::function<void(std::size_t batch_size, std::chrono::nanoseconds took)> on_commit;
    /// For each checkpoint a commit ran itself at store.wal_limit_pages
    /// (the checkpointer fell behind, or there is none).
    std::function<void()> on_backstop_checkpoint;
    /// After each failed commit attempt (every retry included).
    std::function<void(const error& why)> on_failure;
    /// After on_start tried to open the store: nullptr when it did, else why
    /// not (on_start then throws). For chat_server to refuse to start.
    std::function<void(const error* why)> on_open;
};

/// The storage writer actor. Spawn it bound to a thread of its own (an
/// act::dedicated_thread): every SQLite call blocks.
///
///     act::dedicated_thread storage_thread("storage");
///     auto w = sys.spawn<storage::writer>({.exec = &storage_thread, .parent = storage_sup,
///                                          .name = "storage", .label = "storage"}, options, hooks);
///
/// Appends are acked (append_done to reply_to) only after their batch is
/// committed, in the order they arrived; nothing pending has been acked, and
/// on_stop commits what is pending before the actor goes. A start-up failure
/// to open, check or migrate the database is thrown from on_start
/// (startup_error), for the supervisor to see.
///
/// A store that goes wrong while running is detected and refused, with one
/// log line, and check_ready answers false meanwhile: the path no longer
/// names the file opened (deleted or replaced: "lost", for good), damage
/// found by quick_check or reported by any statement ("corrupt", for good,
/// reads refused too), or a file or folder that is not writable (until it
/// is again). Appends are then answered `failed` at once.
///
/// Everything here runs in the writer's own turn; only the ref is for others.
class writer final : public act::actor<append, create_room, mark_read, read_history, read_since, read_last_seq,
                                       read_room, read_user_rooms, list_rooms, check_ready> {
public:
    /// Throws std::invalid_argument if max_batch or retry.max_attempts is 0.
    explicit writer(writer_options options, writer_hooks hooks = {});

    /// Opens the store (throws startup_error if it cannot).
    void on_start() override;
    /// Commits the pending appends (one attempt), then closes the store.
    void on_stop() override;

    void handle(const append& m) override;
    /// Queued with the appends; answered after its commit (ok = false, at
    /// once, for a room that cannot be created or while the store is refused).
    void handle(const create_room& m, act::promise<answer<create_outcome>> reply) override;
    /// Queued with the appends; answered after its commit.
    void handle(const mark_read& m, act::promise<answer<mark_outcome>> reply) override;
    read_result handle(const read_history& m) override;
    read_result handle(const read_since& m) override;
    /// 0 when the room has no lines, or on error (logged).
    std::uint64_t handle(const read_last_seq& m) override;
    answer<room_state> handle(const read_room& m) override;
    answer<std::vector<user_room>> handle(const read_user_rooms& m) override;
    answer<room_list> handle(const list_rooms& m) override;
    /// False while the store is not open, lost, corrupt or not writable, or
    /// the last commit attempt failed.
    bool handle(const check_ready& m) override;

private:
    /// Who hears about one queued append.
    struct append_reply {
        std::uint64_t token;
        act::ref<append_done> reply_to;
    };
    /// Who hears about one queued write, by its kind.
    using waiting_reply = std::variant<append_reply, act::promise<answer<create_outcome>>,
                                       act::promise<answer<mark_outcome>>>;

    bool admit(write_op w, waiting_reply reply);
    template <class T, class Read>
    answer<T> read(Read&& from_store);
    /// An append is told `failed` (its sender may resend), or `rejected`
    /// for `reason` (for good); a promise is answered not ok with `why`.
    static void refuse(waiting_reply& reply, const std::string& why, reject_reason reason = reject_reason::none);
    void flush_after_queueing(bool queued);
    void flush();
    void flush_if_idle();
    void commit_front();
    std::optional<error> commit(std::size_t n);
    void fail_front(std::size_t n);
    void on_retry();
    void maybe_checkpoint();
    act::duration backoff() const;
    bool writable();
    void note(const error& e);
    void give_up(error why);
    void on_integrity_check();
    bool retrying() const noexcept { return retry_timer_ != 0; }

    writer_options opts_;
    writer_hooks hooks_;
    std::optional<message_store> store_;
    // The queue, in arrival order: rows_[i] is answered to replies_[i]. Kept
    // apart so that the front batch is handed to the store without a copy.
    std::vector<write_op> rows_;
    std::vector<waiting_reply> replies_;
    std::size_t refused_batch_ = 0;  // size of the front batch waiting for a retry; 0 when none
    std::uint32_t attempts_ = 0;     // failed attempts of that batch
    std::uint64_t retry_timer_ = 0;
    bool last_commit_failed_ = false;
    bool overflow_logged_ = false;
    bool checkpoint_asked_ = false;        // an ask to the checkpointer is under way
    std::uint32_t checkpointed_pages_ = 0;  // WAL pages the last checkpoint copied (or, failing, saw)
    bool checkpoint_warned_ = false;       // a failure was logged since the last success
    std::uint64_t backstops_seen_ = 0;     // the store's backstop checkpoints already reported
    bool stopping_ = false;
    std::optional<file_identity> file_;  // the database file opened
    std::optional<error> broken_;        // lost or corrupt: nothing more is stored or read
    std::optional<std::string> read_only_;  // why the file cannot be written now
};

}  // namespace chatd::storage
