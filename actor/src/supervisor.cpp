#include "act/supervisor.hpp"

#include "act/system.hpp"
#include "runtime_messages.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

namespace act {

supervisor::supervisor(supervisor_options o) : opts_(std::move(o)) {}

void supervisor::on_restart(const failure&) { gave_up_ = false; }

void supervisor::on_stop() {
    // Only reached with children left when this supervisor was killed or its
    // own stop timed out above it: do not leave them running as orphans.
    for (cell* c = children_.list.front(); c != nullptr; c = child_list::next(*c)) c->kill();
    children_.list.clear();
    children_.notes.clear();
}

void supervisor::adopt_children(children kids, const failure& why) {
    children_ = std::move(kids);
    if (!children_.list.empty()) next_seq_ = std::max(next_seq_, children_.list.back()->child_seq);
    for (cell* c = children_.list.front(); c != nullptr; c = child_list::next(*c)) {
        if (c->kind() == child_kind::temporary) {  // never restarted: it stops with the old subtree
            children_.notes[c].stop_requested = true;
            c->enqueue_system(new detail::directive_msg(directive::stop, why));
        } else {
            c->enqueue_system(new detail::directive_msg(directive::restart, why));
        }
    }
}

void supervisor::child_added(intrusive_ptr<cell> c) {
    if (stopping_) {
        c->request_stop(exit_reason{exit_reason::kind::shutdown, "parent is stopping"});
        return;
    }
    c->child_seq = ++next_seq_;
    children_.list.push_back(std::move(c));
}

intrusive_ptr<cell> supervisor::unlink(cell& c) {
    children_.notes.erase(&c);
    return children_.list.remove(c);
}

bool supervisor::stop_was_requested(const cell& c) const {
    auto it = children_.notes.find(&c);
    return it != children_.notes.end() && it->second.stop_requested;
}

bool supervisor::note_restart() {
    const time_point now = this->now();
    restarts_.push_back(now);
    while (!restarts_.empty() && restarts_.front() < now - opts_.within) restarts_.pop_front();
    return static_cast<int>(restarts_.size()) <= opts_.max_restarts;
}

duration supervisor::backoff_delay(child_note& c) {
    const time_point now = this->now();
    if (now - c.last_restart > opts_.within) c.recent_restarts = 0;
    c.last_restart = now;
    const int k = c.recent_restarts++;
    double d = static_cast<double>(opts_.backoff.min.count()) * std::pow(2.0, std::min(k, 30));
    d = std::min(d, static_cast<double>(opts_.backoff.max.count()));
    if (opts_.backoff.jitter > 0) {
        std::uniform_real_distribution<double> spread(1.0 - opts_.backoff.jitter, 1.0 + opts_.backoff.jitter);
        d *= spread(rng_);
    }
    return duration(static_cast<duration::rep>(d));
}

void supervisor::restart_child(cell& c, const failure& why) {
    // Without backoff there is no history to keep: no note for the child.
    const duration delay = opts_.backoff.min > duration::zero() ? backoff_delay(children_.notes[&c]) : duration::zero();
    intrusive_ptr<cell> target(&c);
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
    if (!children_.list.contains(c) || stopping_ || gave_up_) return;
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
            children_.notes[&c].stop_requested = true;
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
        case strategy::one_for_one: restart_child(c, why); break;
        case strategy::one_for_all:
            for (cell* i = children_.list.front(); i != nullptr; i = child_list::next(*i))
                if (i == &c || i->kind() != child_kind::temporary) restart_child(*i, why);
            break;
        case strategy::rest_for_one:
            for (cell* i = &c; i != nullptr; i = child_list::next(*i))
                if (i == &c || i->kind() != child_kind::temporary) restart_child(*i, why);
            break;
    }
}

void supervisor::child_terminated(cell& c, const exit_reason& why, bool external) {
    if (!children_.list.contains(c)) return;
    const std::uint64_t seq = c.child_seq;
    const bool requested = external || stop_was_requested(c);
    const intrusive_ptr<cell> gone = unlink(c);
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
    if (children_.list.empty()) {
        // Ended by a message so that no supervisor code runs after its instance is gone.
        self_cell().enqueue_system(new detail::finish_stop_msg(stop_reason_));
        return;
    }
    cell* last = children_.list.back();
    awaiting_ = last->child_seq;
    last->request_stop(exit_reason{exit_reason::kind::shutdown, "supervisor is stopping"});
    const std::uint64_t seq = awaiting_;
    stop_timer_ = self_cell().add_timer(opts_.child_stop_timeout, false, [this, seq] {
        if (awaiting_ != seq) return;
        // No child joins while stopping, so the one awaited is still last
        // unless it has gone (and then awaiting_ has moved on).
        if (cell* c = children_.list.back(); c != nullptr && c->child_seq == seq) {
            c->kill();
            unlink(*c);
        }
        stop_next();
    });
}

}  // namespace act
