#pragma once

// The runtime's own messages between cells. Private to the actor library.

#include "act/actor_base.hpp"
#include "act/cell.hpp"
#include "act/envelope.hpp"
#include "act/exit_reason.hpp"
#include "act/supervisor.hpp"

#include <utility>

namespace act::detail {

inline supervisor* as_supervisor(cell& c) {
    return c.is_supervisor() ? static_cast<supervisor*>(c.instance()) : nullptr;
}

/// Makes the instance and runs on_start, in the new cell's first turn.
struct start_msg final : envelope {
    start_msg() : envelope(nullptr) {}
    void run(cell& c) override;
};

/// Ends the actor: from its supervisor, the system, or the actor itself.
struct stop_msg final : envelope {
    stop_msg(exit_reason why_in, bool external_in) : envelope(nullptr), why(std::move(why_in)), external(external_in) {}
    void run(cell& c) override;
    exit_reason why;
    bool external;  // a request from outside: the supervisor will not restart it
};

/// A supervisor has stopped its last child: it may now end itself.
struct finish_stop_msg final : envelope {
    explicit finish_stop_msg(exit_reason why_in) : envelope(nullptr), why(std::move(why_in)) {}
    void run(cell& c) override { c.terminate_now(why); }
    exit_reason why;
};

/// A supervisor's decision, applied in the child's turn.
struct directive_msg final : envelope {
    directive_msg(directive d_in, failure why_in) : envelope(nullptr), d(d_in), why(std::move(why_in)) {}
    void run(cell& c) override;
    directive d;
    failure why;
};

/// Someone wants to monitor (or link to) this cell.
struct watch_msg final : envelope {
    watch_msg(intrusive_ptr<cell> who_in, bool link_in) : envelope(nullptr), who(std::move(who_in)), link(link_in) {}
    void run(cell& c) override { c.add_watcher(std::move(who), link); }
    void reject(cell& c, errc) noexcept override;  // already dead: tell the watcher now
    intrusive_ptr<cell> who;
    bool link;
};

struct unwatch_msg final : envelope {
    explicit unwatch_msg(const cell* who_in) : envelope(nullptr), who(who_in) {}
    void run(cell& c) override { c.remove_watcher(who); }
    const cell* who;  // compared only, never dereferenced
};

/// A linked actor terminated abnormally: this one fails too.
struct exit_msg final : envelope {
    exit_msg(const cell& from_in, exit_reason why_in);
    void run(cell& c) override;
    const cell* from;
    std::uint64_t from_id;
    exit_reason why;
};

/// A monitored actor terminated: runs on_down in the watcher's turn
/// (user lane, so it keeps its place among the watcher's messages).
struct down_msg final : envelope {
    down_msg(const cell* from_in, down_notice n_in) : envelope(nullptr), from(from_in), notice(std::move(n_in)) {}
    void run(cell& c) override;
    const cell* from;  // compared only, never dereferenced
    down_notice notice;
};

/// A timer of this cell is due.
struct timer_msg final : envelope {
    explicit timer_msg(std::uint64_t id_in) : envelope(nullptr), id(id_in) {}
    void run(cell& c) override { c.fire_timer(id); }
    std::uint64_t id;
};

// ---- to supervisors -------------------------------------------------------

struct child_added_msg final : envelope {
    explicit child_added_msg(intrusive_ptr<cell> child_in) : envelope(nullptr), child(std::move(child_in)) {}
    void run(cell& c) override;
    void reject(cell&, errc) noexcept override;  // dead parent: the orphan stops
    intrusive_ptr<cell> child;
};

struct child_failed_msg final : envelope {
    child_failed_msg(intrusive_ptr<cell> child_in, failure why_in)
        : envelope(nullptr), child(std::move(child_in)), why(std::move(why_in)) {}
    void run(cell& c) override;
    void reject(cell&, errc) noexcept override;
    intrusive_ptr<cell> child;
    failure why;
};

struct child_terminated_msg final : envelope {
    child_terminated_msg(intrusive_ptr<cell> child_in, exit_reason why_in, bool external_in)
        : envelope(nullptr), child(std::move(child_in)), why(std::move(why_in)), external(external_in) {}
    void run(cell& c) override;
    intrusive_ptr<cell> child;
    exit_reason why;
    bool external;
};

}  // namespace act::detail
