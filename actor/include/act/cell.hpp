#pragma once

#include "act/exit_reason.hpp"
#include "act/executor.hpp"
#include "act/mailbox.hpp"
#include "act/ref_counted.hpp"
#include "act/stats.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace act {

class actor_base;
class supervisor;
class system;

/// How a supervisor treats a child that terminates or fails.
enum class child_kind : std::uint8_t {
    permanent,  ///< always restarted (or respawned when it terminates)
    transient,  ///< restarted only after a failure, not after a normal stop
    temporary,  ///< never restarted: a failure stops it
};

/// The tags of the message types an actor handles, for typed registry
/// lookups: a static array ended by nullptr (one pointer in every cell).
struct handled_types {
    const void* const* tags = nullptr;
    bool contains(const void* tag) const noexcept {
        for (const void* const* t = tags; t != nullptr && *t != nullptr; ++t)
            if (*t == tag) return true;
        return false;
    }
};

/// Everything needed to (re)create an actor's instance.
struct actor_recipe {
    std::function<std::unique_ptr<actor_base>()> make;
    handled_types types{};
    bool is_supervisor = false;
};

/// The runtime side of one actor: its mailbox, its scheduling state, its
/// place in the supervision tree and its statistics. An actor_ref points to
/// a cell; the cell outlives every instance a restart replaces.
///
/// Members marked "thread-safe" may be called from anywhere; the rest only
/// from the cell's own turn (its actor's handlers and hooks).
class cell final : public ref_counted, public resumable {
public:
    cell(system& sys, executor& exec, actor_recipe recipe, mailbox_options mbox,
         intrusive_ptr<cell> parent, child_kind kind, std::string name, const char* label);

    // ---- thread-safe ----------------------------------------------------
    /// Queues a user message; on anything but ok the envelope is consumed
    /// (rejected and deleted) here and counted as dropped or dead.
    send_status enqueue_user(envelope* e);
    /// Queues a runtime message the actor must not lose (timer, continuation,
    /// down notice): handled in user order, never refused or discarded.
    void enqueue_runtime(envelope* e);
    /// Queues a system message (stop, watch, supervision...).
    void enqueue_system(envelope* e);

    /// Asks the cell to terminate with `why` once its current message is done.
    void request_stop(exit_reason why);
    /// Makes the cell terminate (reason killed) before its next message,
    /// whatever is queued: for a child that did not stop in time.
    void kill() noexcept;

    std::uint64_t id() const noexcept { return id_; }
    /// The registered name, or an empty string. Thread-safe (immutable).
    const std::string& name() const noexcept;
    const char* label() const noexcept { return label_; }
    child_kind kind() const noexcept { return kind_; }
    executor& exec() const noexcept { return *exec_; }
    system& sys() const noexcept { return *sys_; }
    bool handles(const void* tag) const noexcept { return types_.contains(tag); }
    bool terminated() const noexcept { return terminated_.load(std::memory_order_acquire); }
    std::size_t mailbox_depth() const noexcept { return mailbox_.depth(); }
    std::uint64_t handled() const noexcept { return handled_.load(std::memory_order_relaxed); }
    std::uint32_t restarts() const noexcept { return restarts_.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

    // ---- executor ---------------------------------------------------------
    void resume() override;
    void abandon() noexcept override { release(); }

    // ---- own turn only ------------------------------------------------------
    actor_base* instance() const noexcept { return instance_.get(); }
    cell* parent() const noexcept { return parent_.get(); }
    /// Incremented by each restart: continuations of an old instance are dropped.
    std::uint32_t incarnation() const noexcept { return incarnation_; }
    /// A copy of what makes this actor's instances (for a respawn).
    actor_recipe recipe() const { return {make_, types_, is_supervisor_}; }
    bool is_supervisor() const noexcept { return is_supervisor_; }
    /// User messages waiting behind the one being handled: 0 when this
    /// actor is about to go idle (runtime messages, such as timer ticks, not
    /// counted).
    std::size_t mailbox_waiting() const noexcept { return mailbox_.waiting(); }
    mailbox_options mailbox_config() const noexcept { return {mailbox_.capacity(), mailbox_.policy()}; }

    /// A handler or hook threw, or the mailbox overflowed: suspends the actor
    /// and reports to the parent supervisor.
    void fail(failure f);
    /// Starts termination. Supervisors stop their children first.
    void stop(exit_reason why);
    /// Ends the actor now: on_stop, timers cancelled, instance destroyed,
    /// queued messages rejected, watchers and parent told.
    void terminate_now(exit_reason why);
    /// Makes the first instance (the cell's first turn).
    void start_new() { start_instance(nullptr); }
    /// The stop under way was requested from outside: not to be restarted.
    void mark_stop_external() noexcept { stop_external_ = true; }
    /// Supervisor directives, applied in the child's own turn.
    void resume_after_failure();
    void restart(const failure& why);

    /// Adds a watcher (a monitor, or one side of a link).
    void add_watcher(intrusive_ptr<cell> who, bool link);
    void remove_watcher(const cell* who);
    /// Remembers a cell this one watches, to unwatch it on termination.
    void note_watching(intrusive_ptr<cell> target);
    void forget_watching(const cell* target);

    /// Runs fn in this actor's turn after `after`, or every `after` when
    /// periodic, until cancelled, the actor restarts or it stops.
    std::uint64_t add_timer(duration after, bool periodic, std::function<void()> fn);
    void cancel_timer(std::uint64_t id);
    /// Called by the timer's runtime message in this cell's turn.
    void fire_timer(std::uint64_t id);

    /// Runs a handler-like function with failure handling (used by runtime
    /// messages that call user code: timers, ask continuations).
    template <class F>
    void guarded(F&& f) {
        try {
            f();
        } catch (...) {
            fail_current("");
        }
    }
    void fail_current(const char* context);

    /// Links for the system's list of live cells (guarded by the system).
    cell* live_prev = nullptr;
    cell* live_next = nullptr;
    /// Position among the parent's children (start order).
    std::uint64_t child_seq = 0;
    /// Links in the parent's child_list (the parent's turn only).
    cell* sibling_prev = nullptr;
    cell* sibling_next = nullptr;

private:
    ~cell() override;

    void schedule();
    void run_system_lane();
    void handle_user(envelope* e);
    void start_instance(const failure* after);
    void destroy_instance();
    void reject_queued();
    void cancel_all_timers();
    bool can_run_user() const noexcept { return !suspended_ && instance_ != nullptr; }
    bool has_work() const noexcept;

    struct timer_entry {
        std::uint64_t id;
        timer_token token;
        duration period;  // zero: one-shot
        std::function<void()> fn;
    };
    struct watcher {
        intrusive_ptr<cell> who;
        bool link = false;
    };
    /// What only some actors use, made on first use so an idle actor stays
    /// small. (The first watcher is not here: a session has one, its room.)
    struct extras {
        std::vector<watcher> watchers;  // after first_watcher_
        std::vector<intrusive_ptr<cell>> watching;
        std::vector<timer_entry> timers;
        std::uint64_t next_timer_id = 0;
    };
    extras& more();

    // Ordered so that nothing pads: an idle connection's session is one cell.
    system* sys_;                          // during the actor's life
    intrusive_ptr<system_shared> shared_;  // also after the system is gone
    executor* exec_;
    mailbox mailbox_;
    std::atomic<bool> scheduled_{false};
    std::atomic<bool> terminated_{false};
    std::atomic<bool> kill_requested_{false};
    bool suspended_ = false;
    bool stopping_ = false;
    bool stop_external_ = false;
    const bool is_supervisor_;
    child_kind kind_;
    std::uint32_t incarnation_ = 0;
    std::atomic<std::uint32_t> restarts_{0};
    std::uint64_t id_;
    const char* label_;
    std::atomic<std::uint64_t> handled_{0};
    std::atomic<std::uint64_t> dropped_{0};
    intrusive_ptr<cell> parent_;
    std::unique_ptr<actor_base> instance_;
    std::function<std::unique_ptr<actor_base>()> make_;  // emptied once a temporary actor has its instance
    const handled_types types_;
    watcher first_watcher_{};                   // own turn only; the rest in extras
    std::unique_ptr<const std::string> name_;  // null when unnamed
    std::unique_ptr<extras> more_;              // own turn only
};

}  // namespace act
