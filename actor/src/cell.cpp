#include "act/cell.hpp"

#include "act/actor_base.hpp"
#include "act/supervisor.hpp"
#include "act/system.hpp"
#include "runtime_messages.hpp"

#include <algorithm>
#include <exception>
#include <string>

namespace act {

using detail::as_supervisor;

cell::cell(system& sys, executor& exec, actor_recipe recipe, mailbox_options mbox,
           intrusive_ptr<cell> parent, child_kind kind, std::string name, const char* label)
    : sys_(&sys),
      shared_(sys.shared()),
      exec_(&exec),
      mailbox_(mbox),
      is_supervisor_(recipe.is_supervisor),
      kind_(kind),
      id_(sys.next_cell_id()),
      label_(label),
      parent_(std::move(parent)),
      make_(std::move(recipe.make)),
      types_(recipe.types),
      name_(name.empty() ? nullptr : std::make_unique<const std::string>(std::move(name))) {}

const std::string& cell::name() const noexcept {
    static const std::string unnamed;
    return name_ ? *name_ : unnamed;
}

cell::extras& cell::more() {
    if (!more_) more_ = std::make_unique<extras>();
    return *more_;
}

cell::~cell() {
    // Messages that raced with termination and were never drained.
    while (envelope* e = mailbox_.pop_system()) delete e;
    while (envelope* e = mailbox_.pop_user()) delete e;
}

// ---- sending ------------------------------------------------------------------

send_status cell::enqueue_user(envelope* e) {
    if (terminated()) {
        e->reject(*this, shared_->shutting_down.load() ? errc::shutdown : errc::dead);
        delete e;
        shared_->count_dead_letter(id_, label_);
        return send_status::dead;
    }
    const send_status s = mailbox_.push_user(e);
    if (s == send_status::ok) {
        schedule();
        return s;
    }
    e->reject(*this, errc::mailbox_full);
    delete e;
    dropped_.fetch_add(1, std::memory_order_relaxed);
    shared_->dropped.fetch_add(1, std::memory_order_relaxed);
    if (mailbox_.policy() == overflow_policy::fail_actor) schedule();
    return s;
}

void cell::enqueue_runtime(envelope* e) {
    mailbox_.push_runtime(e);
    schedule();
}

void cell::enqueue_system(envelope* e) {
    mailbox_.push_system(e);
    schedule();
}

void cell::request_stop(exit_reason why) { enqueue_system(new detail::stop_msg(std::move(why), true)); }

void cell::kill() noexcept {
    kill_requested_.store(true, std::memory_order_release);
    schedule();
}

void cell::schedule() {
    // Pairs with the end of resume(): either we see the turn still going (it
    // will see our message), or we make the next one.
    if (scheduled_.load(std::memory_order_seq_cst)) return;
    if (!scheduled_.exchange(true, std::memory_order_seq_cst)) {
        add_ref();
        exec_->post(this);
    }
}

// ---- the turn -------------------------------------------------------------------

bool cell::has_work() const noexcept {
    if (mailbox_.has_system()) return true;
    if (terminated()) return mailbox_.has_user();
    if (kill_requested_.load(std::memory_order_relaxed) || mailbox_.overflowed()) return true;
    return mailbox_.has_user() && can_run_user();
}

void cell::resume() {
    run_system_lane();
    if (!terminated() && mailbox_.take_overflow()) fail(failure{"mailbox overflow", {}});

    const std::size_t quantum = shared_->quantum;
    for (std::size_t n = 0; n < quantum && !terminated();) {
        if (kill_requested_.load(std::memory_order_acquire)) {
            terminate_now(exit_reason{exit_reason::kind::killed, "did not stop in time"});
            break;
        }
        if (!can_run_user()) break;
        envelope* e = nullptr;
        while ((e = mailbox_.pop_excess()) != nullptr && e->tag() != nullptr) {  // drop_oldest
            e->reject(*this, errc::mailbox_full);
            delete e;
            dropped_.fetch_add(1, std::memory_order_relaxed);
            shared_->dropped.fetch_add(1, std::memory_order_relaxed);
        }
        if (e == nullptr) e = mailbox_.pop_user();  // else: a runtime entry, oldest: handle it now
        if (e == nullptr) break;
        ++n;
        handle_user(e);
        if (mailbox_.has_system()) run_system_lane();
    }
    if (terminated()) reject_queued();
    mailbox_.flush();

    if (has_work()) {  // yield: keep the scheduled flag, go to the back of the queue
        exec_->post(this);
        return;
    }
    scheduled_.store(false, std::memory_order_seq_cst);
    if (has_work() && !scheduled_.exchange(true, std::memory_order_seq_cst)) {
        exec_->post(this);
        return;
    }
    release();  // the reference taken by schedule(); may delete this
}

void cell::run_system_lane() {
    while (envelope* e = mailbox_.pop_system()) {
        if (terminated()) {
            e->reject(*this, errc::dead);
        } else {
            try {
                e->run(*this);  // may run user code (hooks) or supervisor logic
            } catch (...) {
                fail_current("runtime");
            }
        }
        delete e;
    }
}

void cell::handle_user(envelope* e) {
    try {
        if (e->tag() == nullptr)
            e->run(*this);  // timer, ask continuation, down notice
        else
            instance_->dispatch(*e);
    } catch (...) {
        e->reject(*this, errc::handler_failed);
        delete e;
        fail_current("handler");
        return;
    }
    handled_.store(handled_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    delete e;
}

void cell::fail_current(const char* context) {
    std::string what;
    try {
        throw;
    } catch (const std::exception& ex) {
        what = ex.what();
    } catch (...) {
        what = "unknown exception";
    }
    if (context != nullptr && *context != '\0') what = std::string(context) + ": " + what;
    fail(failure{std::move(what), std::current_exception()});
}

// ---- lifecycle --------------------------------------------------------------

void cell::start_instance(const failure* after) {
    try {
        instance_ = make_();
        instance_->cell_ = this;
        // A temporary child is never restarted: what makes it (with the
        // arguments it captured) is not needed again.
        if (kind_ == child_kind::temporary && !is_supervisor_) make_ = nullptr;
        if (after != nullptr) instance_->on_restart(*after);
        instance_->on_start();
    } catch (...) {
        fail_current("start");
    }
}

void cell::destroy_instance() {
    cancel_all_timers();
    if (!instance_) return;
    try {
        instance_->on_stop();
    } catch (...) {
        // on_stop failing must not stop the teardown; the instance goes anyway.
    }
    instance_.reset();
}

void cell::fail(failure f) {
    if (terminated()) return;
    suspended_ = true;
    if (parent_)
        parent_->enqueue_system(new detail::child_failed_msg(intrusive_ptr<cell>(this), std::move(f)));
    else
        sys_->root_failed(f);
}

void cell::resume_after_failure() {
    if (!instance_) {  // it failed to start: there is no state to keep
        restart(failure{"resumed before it started", {}});
        return;
    }
    suspended_ = false;
}

void cell::restart(const failure& why) {
    if (terminated()) return;
    supervisor* sup = as_supervisor(*this);
    auto children = sup != nullptr ? sup->release_children() : supervisor::children{};
    destroy_instance();
    ++incarnation_;
    restarts_.fetch_add(1, std::memory_order_relaxed);
    suspended_ = false;
    start_instance(&why);
    if (sup = as_supervisor(*this); sup != nullptr) sup->adopt_children(std::move(children), why);
}

void cell::stop(exit_reason why) {
    if (terminated() || stopping_) return;
    if (supervisor* sup = as_supervisor(*this); sup != nullptr && sup->has_children()) {
        stopping_ = true;
        suspended_ = false;  // a supervisor that gave up still stops its children in order
        sup->begin_stop(std::move(why));
        return;
    }
    terminate_now(std::move(why));
}

void cell::terminate_now(exit_reason why) {
    if (terminated()) return;
    destroy_instance();
    terminated_.store(true, std::memory_order_release);
    reject_queued();
    // Frees the name before the parent hears (it may respawn under that name).
    // The system may be destroyed once this returns: sys_ is not used again.
    sys_->cell_terminated(*this);
    if (more_)  // targets we watch must not keep us (or our notices) alive
        for (auto& target : more_->watching) target->enqueue_system(new detail::unwatch_msg(this));
    auto tell = [&](const watcher& w) {
        if (!w.who) return;
        if (!w.link) {
            w.who->enqueue_runtime(new detail::down_msg(this, down_notice{id_, name(), why}));
        } else if (why.abnormal()) {
            w.who->enqueue_system(new detail::exit_msg(*this, why));
        } else {
            w.who->enqueue_system(new detail::unwatch_msg(this));
        }
    };
    tell(first_watcher_);
    if (more_)
        for (const auto& w : more_->watchers) tell(w);
    first_watcher_ = {};
    more_.reset();
    if (parent_) {
        parent_->enqueue_system(
            new detail::child_terminated_msg(intrusive_ptr<cell>(this), why, stop_external_));
        parent_ = intrusive_ptr<cell>();  // the parent holds us until it hears; no cycle
    }
}

void cell::reject_queued() {
    const errc why = shared_->shutting_down.load() ? errc::shutdown : errc::dead;
    while (envelope* e = mailbox_.pop_user()) {
        if (e->tag() != nullptr) shared_->count_dead_letter(id_, label_);  // not timers, continuations, downs
        e->reject(*this, why);
        delete e;
    }
    mailbox_.flush();
}

// ---- watchers -----------------------------------------------------------------

void cell::add_watcher(intrusive_ptr<cell> who, bool link) {
    if (!who || who.get() == this) return;
    auto merge = [&](watcher& w) {
        if (w.who != who) return false;
        w.link = w.link || link;
        return true;
    };
    if (merge(first_watcher_)) return;
    if (more_)
        for (auto& w : more_->watchers)
            if (merge(w)) return;
    if (!first_watcher_.who) first_watcher_ = watcher{std::move(who), link};
    else more().watchers.push_back(watcher{std::move(who), link});
}

void cell::note_watching(intrusive_ptr<cell> target) {
    auto& watching = more().watching;
    if (std::find(watching.begin(), watching.end(), target) == watching.end()) watching.push_back(std::move(target));
}

void cell::forget_watching(const cell* target) {
    if (more_) std::erase_if(more_->watching, [target](const intrusive_ptr<cell>& t) { return t.get() == target; });
}

void cell::remove_watcher(const cell* who) {
    if (first_watcher_.who.get() == who) first_watcher_ = {};
    if (more_) std::erase_if(more_->watchers, [who](const watcher& w) { return w.who.get() == who; });
}

// ---- timers -------------------------------------------------------------------

std::uint64_t cell::add_timer(duration after, bool periodic, std::function<void()> fn) {
    extras& x = more();
    const std::uint64_t id = ++x.next_timer_id;
    timer_entry t{id, {}, periodic ? after : duration::zero(), std::move(fn)};
    t.token = exec_->schedule_at(exec_->now() + after, [self = intrusive_ptr<cell>(this), id] {
        self->enqueue_runtime(new detail::timer_msg(id));
    });
    x.timers.push_back(std::move(t));
    return id;
}

void cell::cancel_timer(std::uint64_t id) {
    if (!more_) return;
    auto& timers = more_->timers;
    auto it = std::find_if(timers.begin(), timers.end(), [id](const timer_entry& t) { return t.id == id; });
    if (it == timers.end()) return;
    exec_->cancel(it->token);
    timers.erase(it);
}

void cell::cancel_all_timers() {
    if (!more_) return;
    for (auto& t : more_->timers) exec_->cancel(t.token);
    more_->timers.clear();
}

void cell::fire_timer(std::uint64_t id) {
    if (!more_) return;
    auto& timers = more_->timers;
    auto it = std::find_if(timers.begin(), timers.end(), [id](const timer_entry& t) { return t.id == id; });
    if (it == timers.end()) return;  // cancelled, or from before a restart
    std::function<void()> fn;
    if (it->period != duration::zero()) {
        fn = it->fn;
        it->token = exec_->schedule_at(exec_->now() + it->period, [self = intrusive_ptr<cell>(this), id] {
            self->enqueue_runtime(new detail::timer_msg(id));
        });
    } else {
        fn = std::move(it->fn);
        timers.erase(it);
    }
    fn();  // exceptions are the caller's (handle_user) to catch
}

// ---- runtime messages ---------------------------------------------------------

namespace detail {

void start_msg::run(cell& c) { c.start_new(); }

void stop_msg::run(cell& c) {
    if (external) c.mark_stop_external();
    c.stop(why);
}

void directive_msg::run(cell& c) {
    switch (d) {
        case directive::resume: c.resume_after_failure(); break;
        case directive::restart: c.restart(why); break;
        case directive::stop:
        case directive::escalate:
            c.stop(exit_reason{exit_reason::kind::failure, why.what});
            break;
    }
}

void watch_msg::reject(cell& c, errc) noexcept {
    if (link)
        who->enqueue_system(new exit_msg(c, exit_reason{exit_reason::kind::failure, "linked actor was already dead"}));
    else
        who->enqueue_runtime(new down_msg(&c, down_notice{c.id(), c.name(), exit_reason{exit_reason::kind::normal, "already terminated"}}));
}

exit_msg::exit_msg(const cell& from_in, exit_reason why_in)
    : envelope(nullptr), from(&from_in), from_id(from_in.id()), why(std::move(why_in)) {}

void exit_msg::run(cell& c) {
    c.remove_watcher(from);
    c.forget_watching(from);
    c.fail(failure{"linked actor " + std::to_string(from_id) + " terminated: " + why.what, {}});
}

void down_msg::run(cell& c) {
    c.forget_watching(from);
    if (c.instance() != nullptr) c.instance()->on_down(notice);
}

void child_added_msg::run(cell& c) {
    if (supervisor* s = as_supervisor(c); s != nullptr)
        s->child_added(std::move(child));
    else
        child->request_stop(exit_reason{exit_reason::kind::shutdown, "parent is not running"});
}

void child_added_msg::reject(cell&, errc) noexcept {
    child->request_stop(exit_reason{exit_reason::kind::shutdown, "parent has terminated"});
}

void child_failed_msg::run(cell& c) {
    if (supervisor* s = as_supervisor(c); s != nullptr)
        s->child_failed(*child, why);
    else
        child->request_stop(exit_reason{exit_reason::kind::failure, why.what});
}

void child_failed_msg::reject(cell&, errc) noexcept {
    child->request_stop(exit_reason{exit_reason::kind::failure, why.what});
}

void child_terminated_msg::run(cell& c) {
    if (supervisor* s = as_supervisor(c); s != nullptr) s->child_terminated(*child, why, external);
}

}  // namespace detail
}  // namespace act
