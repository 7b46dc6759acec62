#include "act/supervisor.hpp"

#include "act/system.hpp"
#include "runtime_messages.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <iterator>
#include <string>

namespace act {

supervisor::supervisor(supervisor_options o) : opts_(std::move(o)) {}

void supervisor::on_restart(const failure&) { gave_up_ = false; }

void supervisor::on_stop() {
    // Only reached with children left when this supervisor was killed or its
    // own stop timed out above it: do not leave them running as orphans.
    for (auto& [seq, c] : children_) c.ref->kill();
    children_.clear();
}

void supervisor::adopt_children(child_map kids, const failure& why) {
    children_ = std::move(kids);
    if (!children_.empty()) next_seq_ = std::max(next_seq_, children_.rbegin()->first);
    for (auto& [seq, c] : children_) {
        if (c.ref->kind() == child_kind::temporary) {  // never restarted: it stops with the old subtree
            c.stop_requested = true;
            c.ref->enqueue_system(new detail::directive_msg(directive::stop, why));
        } else {
            c.ref->enqueue_system(new detail::directive_msg(directive::restart, why));
        }
    }
}

void supervisor::child_added(intrusive_ptr<cell> c) {
    if (stopping_) {
        c->request_stop(exit_reason{exit_reason::kind::shutdown, "parent is stopping"});
        return;
    }
    const std::uint64_t seq = ++next_seq_;
    c->child_seq = seq;
    children_.emplace(seq, child{std::move(c)});
}

supervisor::child_map::iterator supervisor::find(const cell& c) {
    auto it = children_.find(c.child_seq);
    return (it != children_.end() && it->second.ref.get() == &c) ? it : children_.end();
}

bool supervisor::note_restart() {
    const time_point now = this->now();
    restarts_.push_back(now);
    while (!restarts_.empty() && restarts_.front() < now - opts_.within) restarts_.pop_front();
    return static_cast<int>(restarts_.size()) <= opts_.max_restarts;
}

duration supervisor::backoff_delay(child& c) {
    const time_point now = this->now();
    if (now - c.last_restart > opts_.within) c.recent_restarts = 0;
    c.last_restart = now;
    const int k = c.recent_restarts++;
    if (opts_.backoff.min <= duration::zero()) return duration::zero();
    double d = static_cast<double>(opts_.backoff.min.count()) * std::pow(2.0, std::min(k, 30));
    d = std::min(d, static_cast<double>(opts_.backoff.max.count()));
    if (opts_.backoff.jitter > 0) {
        std::uniform_real_distribution<double> spread(1.0 - opts_.backoff.jitter, 1.0 + opts_.backoff.jitter);
        d *= spread(rng_);
    }
    return duration(static_cast<duration::rep>(d));
}

void supervisor::restart_child(child_map::iterator it, const failure& why) {
    const duration delay = backoff_delay(it->second);
    intrusive_ptr<cell> target = it->second.ref;
    if (delay <= duration::zero()) {
        target->enqueue_system(new detail::directive_msg(directive::restart, why));
        return;
    }
    // The failed child stays suspended (its mailbox keeps filling, bounded)
    // until the delay is over.
    self_cell().add_timer(delay, false, [target, why] {
        target->enqueue_system(new detail::directive_msg(directive::restart, why));
    });
}

void supervisor::child_failed(cell& c, const failure& why) {
    auto it = find(c);
    if (it == children_.end() || stopping_ || gave_up_) return;
    directive d = directive::restart;
    if (opts_.decider) {
        try {
            d = opts_.decider(why);
        } catch (...) {
            d = directive::escalate;
        }
    }
    if (c.kind() == child_kind::temporary && d == directive::restart) d = directive::stop;
    // A supervisor that failed has given up on its children: resuming it
    // would leave them unsupervised, so it starts afresh instead.
    if (d == directive::resume && c.is_supervisor()) d = directive::restart;
    switch (d) {
        case directive::resume:
            c.enqueue_system(new detail::directive_msg(directive::resume, why));
            return;
        case directive::stop:
            it->second.stop_requested = true;
            c.enqueue_system(new detail::directive_msg(directive::stop, why));
            return;
        case directive::escalate:
            give_up(why);
            return;
        case directive::restart:
            break;
    }
    if (!note_restart()) {
        give_up(failure{"restart intensity exceeded (more than " + std::to_string(opts_.max_restarts) +
                            " restarts); last failure: " + why.what,
                        why.error});
        return;
    }
    switch (opts_.how) {
        case strategy::one_for_one: restart_child(it, why); break;
        case strategy::one_for_all:
            for (auto i = children_.begin(); i != children_.end(); ++i)
                if (i == it || i->second.ref->kind() != child_kind::temporary) restart_child(i, why);
            break;
        case strategy::rest_for_one:
            for (auto i = it; i != children_.end(); ++i)
                if (i == it || i->second.ref->kind() != child_kind::temporary) restart_child(i, why);
            break;
    }
}

void supervisor::child_terminated(cell& c, const exit_reason& why, bool external) {
    auto it = find(c);
    if (it == children_.end()) return;
    const std::uint64_t seq = it->first;
    const bool requested = external || it->second.stop_requested;
    intrusive_ptr<cell> gone = std::move(it->second.ref);
    children_.erase(it);
    if (stopping_) {
        if (seq == awaiting_) {
            cancel_timer(stop_timer_);
            stop_next();
        }
        return;
    }
    if (requested || gave_up_) return;
    const bool again = c.kind() == child_kind::permanent ||
                       (c.kind() == child_kind::transient && why.abnormal());
    if (!again) return;
    if (!note_restart()) {
        give_up(failure{"restart intensity exceeded (more than " + std::to_string(opts_.max_restarts) +
                            " restarts); last exit: " + why.what,
                        {}});
        return;
    }
    try {
        sys().respawn(*gone, self_cell());
    } catch (const std::exception& e) {
        give_up(failure{std::string("could not respawn a child: ") + e.what(), std::current_exception()});
    }
}

void supervisor::give_up(failure why) {
    gave_up_ = true;
    self_cell().fail(std::move(why));  // keeps the original exception for the parent's decider
}

void supervisor::begin_stop(exit_reason why) {
    stopping_ = true;
    stop_reason_ = std::move(why);
    stop_next();
}

void supervisor::stop_next() {
    if (children_.empty()) {
        // Ended by a message so that no supervisor code runs after its instance is gone.
        self_cell().enqueue_system(new detail::finish_stop_msg(stop_reason_));
        return;
    }
    auto last = std::prev(children_.end());
    awaiting_ = last->first;
    last->second.ref->request_stop(exit_reason{exit_reason::kind::shutdown, "supervisor is stopping"});
    const std::uint64_t seq = awaiting_;
    stop_timer_ = self_cell().add_timer(opts_.child_stop_timeout, false, [this, seq] {
        if (awaiting_ != seq) return;
        if (auto it = children_.find(seq); it != children_.end()) {
            it->second.ref->kill();
            children_.erase(it);
        }
        stop_next();
    });
}

}  // namespace act
