#pragma once

#include "act/actor_base.hpp"
#include "act/cell.hpp"
#include "act/child_list.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <unordered_map>

namespace act {

/// Which children a failure restarts.
enum class strategy : std::uint8_t {
    one_for_one,   ///< only the failed child
    one_for_all,   ///< every child
    rest_for_one,  ///< the failed child and those started after it
};

/// What a supervisor does about a child's failure.
enum class directive : std::uint8_t {
    resume,    ///< keep its state, drop the message that failed
    restart,   ///< fresh state (a new instance; the mailbox and refs stay)
    stop,      ///< terminate it for good
    escalate,  ///< fail the supervisor itself, for its own parent to decide
};

/// Exponential backoff before restarts: min, 2·min, 4·min ... up to max,
/// each scaled by a random factor in [1 - jitter, 1 + jitter]. Off when min is 0.
struct backoff_options {
    duration min{0};
    duration max{std::chrono::seconds(30)};
    double jitter = 0.2;
};

struct supervisor_options {
    strategy how = strategy::one_for_one;
    /// More than max_restarts restarts within `within` makes the supervisor
    /// give up: it fails, and its own parent decides (escalation).
    int max_restarts = 3;
    duration within = std::chrono::seconds(5);
    backoff_options backoff{};
    /// How long each child gets to stop before it is killed.
    duration child_stop_timeout = std::chrono::seconds(5);
    /// Maps a failure to a directive; restart when empty.
    std::function<directive(const failure&)> decider;
};

/// A handle on a supervisor, to name it as a parent in spawn_options.
class supervisor_ref {
public:
    supervisor_ref() = default;
    explicit supervisor_ref(intrusive_ptr<cell> c) noexcept : cell_(std::move(c)) {}
    bool valid() const noexcept { return static_cast<bool>(cell_); }
    std::uint64_t id() const noexcept { return cell_ ? cell_->id() : 0; }
    bool terminated() const noexcept { return !cell_ || cell_->terminated(); }
    const intrusive_ptr<cell>& raw() const noexcept { return cell_; }

private:
    intrusive_ptr<cell> cell_;
};

/// A supervisor: an actor that owns children, applies its strategy to their
/// failures and stops them, in reverse start order, before it stops itself.
/// Its members are called by the runtime in its own turn.
class supervisor final : public actor_base {
public:
    explicit supervisor(supervisor_options o);

    void on_start() override {}
    void on_restart(const failure& why) override;

    void child_added(intrusive_ptr<cell> c);
    void child_failed(cell& child, const failure& why);
    /// `external`: someone asked it to stop, so it is not restarted.
    void child_terminated(cell& child, const exit_reason& why, bool external);
    /// Stops the children one by one, last started first; then terminates.
    void begin_stop(exit_reason why);
    bool has_children() const noexcept { return !children_.list.empty(); }
    std::size_t child_count() const noexcept { return children_.list.size(); }
    void on_stop() override;

    /// What a supervisor remembers of a child beyond its place in the list;
    /// kept only for the few that restarted or were told to stop.
    struct child_note {
        int recent_restarts = 0;  // for backoff
        time_point last_restart{};
        bool stop_requested = false;
    };
    struct children {
        child_list list;
        std::unordered_map<const cell*, child_note> notes;
    };

    /// A restart of the supervisor hands its children to the new instance,
    /// which restarts them all: the whole subtree starts fresh.
    children release_children() { return std::move(children_); }
    void adopt_children(children kids, const failure& why);

private:
    void dispatch(envelope&) override {}

    bool note_restart();  // false when intensity is exceeded
    duration backoff_delay(child_note& c);  // only with backoff on (min > 0)
    void restart_child(cell& c, const failure& why);
    // Unlinks a child and forgets its note; returns the list's reference.
    intrusive_ptr<cell> unlink(cell& c);
    bool stop_was_requested(const cell& c) const;
    void give_up(failure why);
    void stop_next();

    supervisor_options opts_;
    children children_;
    std::uint64_t next_seq_ = 0;
    std::deque<time_point> restarts_;
    bool gave_up_ = false;
    bool stopping_ = false;
    exit_reason stop_reason_;
    std::uint64_t awaiting_ = 0;  // child seq being stopped
    std::uint64_t stop_timer_ = 0;
    std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace act
