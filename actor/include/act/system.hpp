#pragma once

#include "act/actor.hpp"
#include "act/cell.hpp"
#include "act/stats.hpp"
#include "act/supervisor.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace act {

struct system_config {
    executor* exec = nullptr;  ///< required; must outlive the system
    mailbox_options mailbox{};  ///< default for actors that do not say
    std::size_t quantum = 64;   ///< messages per turn before an actor yields
    supervisor_options root{};  ///< the root supervisor's policy
    /// Called on the sender's thread for each dead letter: quick and thread-safe.
    std::function<void(const dead_letter&)> on_dead_letter;
    /// Called when the root supervisor gives up; the default shuts down.
    std::function<void(const failure&)> on_root_failure;
};

struct spawn_options {
    executor* exec = nullptr;  ///< default: the system's
    supervisor_ref parent;     ///< default: the root supervisor
    child_kind kind = child_kind::permanent;
    std::string name;              ///< registers the actor under this name
    const char* label = "actor";   ///< its kind, for metrics (a static string)
    std::optional<mailbox_options> mailbox;
};

/// The actor system: spawns actors under supervisors, names them, counts
/// what happens and shuts everything down in order. Thread-safe.
/// Refs must not be used after the system is destroyed.
class system {
public:
    explicit system(system_config cfg);
    ~system();
    system(const system&) = delete;
    system& operator=(const system&) = delete;

    /// Makes an actor of type A from args (copied, so a restart can make it
    /// again). It starts asynchronously on its executor; messages sent to it
    /// meanwhile wait in its mailbox. Throws std::invalid_argument if the
    /// name is taken or the parent has terminated.
    template <class A, class... Args>
    typename A::ref_type spawn(spawn_options o, Args... args) {
        static_assert(std::is_base_of_v<actor_base, A>);
        actor_recipe recipe{[... a = std::move(args)]() -> std::unique_ptr<actor_base> {
                                return std::make_unique<A>(a...);
                            },
                            A::types(), false};
        return typename A::ref_type(make_cell(o, std::move(recipe)));
    }

    /// Makes a supervisor, to be a parent of other actors.
    supervisor_ref spawn_supervisor(spawn_options o, supervisor_options so);

    /// The root of the supervision tree: the default parent.
    const supervisor_ref& root() const noexcept { return root_; }

    /// The actor registered as `name`, if it handles every message of Ref.
    template <class Ref>
    std::optional<Ref> lookup(std::string_view name) const {
        auto c = find_named(name);
        if (!c || !handles_all(*c, static_cast<Ref*>(nullptr))) return std::nullopt;
        return Ref(std::move(c));
    }

    /// Asks an actor to terminate (reason normal unless given) after its
    /// current message. Its supervisor does not restart it.
    template <class... Ms>
    void stop(const ref<Ms...>& r, exit_reason why = {}) {
        if (r.raw()) r.raw()->request_stop(std::move(why));
    }

    /// Counters for every live actor and the system. Thread-safe.
    system_stats snapshot() const;
    std::uint64_t dead_letters() const noexcept { return shared_->dead_letters.load(); }
    std::uint64_t live_actors() const noexcept { return live_.load(); }

    /// Stops the root supervisor: children stop before parents, in reverse
    /// start order; queued asks fail with errc::shutdown. Non-blocking.
    void request_shutdown();
    /// Waits until every actor has terminated (drives a deterministic
    /// executor instead of blocking). False on timeout.
    bool await_shutdown(duration timeout);
    /// request_shutdown() then await_shutdown().
    bool shutdown(duration timeout = std::chrono::seconds(30));
    bool shutting_down() const noexcept { return shared_->shutting_down.load(); }

    // ---- runtime use --------------------------------------------------------
    const intrusive_ptr<system_shared>& shared() const noexcept { return shared_; }
    /// A cell has terminated: its name is freed and it leaves the live count.
    /// The system may be destroyed as soon as this returns.
    void cell_terminated(cell& c);
    void root_failed(const failure& f);
    intrusive_ptr<cell> make_cell(spawn_options& o, actor_recipe recipe);
    /// A new cell like `old` (same recipe, options and name) under `parent`.
    intrusive_ptr<cell> respawn(const cell& old, cell& parent);
    std::uint64_t next_cell_id() noexcept { return next_id_.fetch_add(1, std::memory_order_relaxed) + 1; }

private:
    intrusive_ptr<cell> find_named(std::string_view name) const;
    template <class... Ms>
    static bool handles_all(const cell& c, ref<Ms...>*) {
        return (c.handles(type_tag<Ms>()) && ...);
    }

    system_config cfg_;
    intrusive_ptr<system_shared> shared_;
    supervisor_ref root_;
    std::atomic<std::uint64_t> spawned_{0};
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::uint64_t> live_{0};

    mutable std::mutex mutex_;  // guards the live list and the names
    std::condition_variable all_stopped_;
    cell* live_head_ = nullptr;
    std::unordered_map<std::string, cell*> names_;
};

}  // namespace act
