#include "act/system.hpp"

#include "runtime_messages.hpp"

#include <stdexcept>

namespace act {

system::system(system_config cfg)
    : cfg_(std::move(cfg)),
      shared_(intrusive_ptr<system_shared>::adopt(new system_shared(cfg_.quantum, cfg_.on_dead_letter))) {
    if (cfg_.exec == nullptr) throw std::invalid_argument("act::system_config::exec is required");
    spawn_options o;
    o.label = "supervisor";
    root_ = supervisor_ref(make_cell(o, actor_recipe{[so = cfg_.root]() -> std::unique_ptr<actor_base> {
                                                         return std::make_unique<supervisor>(so);
                                                     },
                                                     {}, true}));
}

system::~system() { shutdown(); }

supervisor_ref system::spawn_supervisor(spawn_options o, supervisor_options so) {
    if (o.label == std::string_view("actor")) o.label = "supervisor";
    return supervisor_ref(make_cell(o, actor_recipe{[so]() -> std::unique_ptr<actor_base> {
                                                        return std::make_unique<supervisor>(so);
                                                    },
                                                    {}, true}));
}

intrusive_ptr<cell> system::make_cell(spawn_options& o, actor_recipe recipe) {
    executor& ex = o.exec != nullptr ? *o.exec : *cfg_.exec;
    intrusive_ptr<cell> parent = o.parent.valid() ? o.parent.raw() : root_.raw();
    if (parent && parent->terminated()) throw std::invalid_argument("act::system::spawn: the parent has terminated");
    auto c = intrusive_ptr<cell>::adopt(new cell(*this, ex, std::move(recipe), o.mailbox.value_or(cfg_.mailbox),
                                                 parent, o.kind, o.name, o.label));
    {
        std::lock_guard lock(mutex_);
        if (!o.name.empty()) {
            if (!names_.emplace(o.name, c.get()).second)
                throw std::invalid_argument("act::system::spawn: the name '" + o.name + "' is taken");
        }
        c->live_next = live_head_;
        if (live_head_ != nullptr) live_head_->live_prev = c.get();
        live_head_ = c.get();
        spawned_.fetch_add(1, std::memory_order_relaxed);
        live_.fetch_add(1, std::memory_order_relaxed);
    }
    // The parent hears of the child before the child can fail or stop.
    if (parent) parent->enqueue_system(new detail::child_added_msg(c));
    c->enqueue_system(new detail::start_msg());
    return c;
}

intrusive_ptr<cell> system::respawn(const cell& old, cell& parent) {
    spawn_options o;
    o.exec = &old.exec();
    o.parent = supervisor_ref(intrusive_ptr<cell>(&parent));
    o.kind = old.kind();
    o.name = old.name();
    o.label = old.label();
    o.mailbox = old.mailbox_config();
    return make_cell(o, old.recipe());
}

void system::cell_terminated(cell& c) {
    std::lock_guard lock(mutex_);
    if (!c.name().empty()) {
        auto it = names_.find(c.name());
        if (it != names_.end() && it->second == &c) names_.erase(it);
    }
    if (c.live_prev != nullptr) c.live_prev->live_next = c.live_next;
    if (c.live_next != nullptr) c.live_next->live_prev = c.live_prev;
    if (live_head_ == &c) live_head_ = c.live_next;
    c.live_prev = c.live_next = nullptr;
    if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1) all_stopped_.notify_all();
}

intrusive_ptr<cell> system::find_named(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = names_.find(std::string(name));
    return it == names_.end() ? intrusive_ptr<cell>() : intrusive_ptr<cell>(it->second);
}

system_stats system::snapshot() const {
    system_stats s;
    std::lock_guard lock(mutex_);
    for (const cell* c = live_head_; c != nullptr; c = c->live_next)
        s.actors.push_back(actor_stats{c->id(), c->name(), c->label(), c->handled(), c->mailbox_depth(),
                                       c->restarts(), c->dropped()});
    s.dead_letters = shared_->dead_letters.load();
    s.dropped = shared_->dropped.load();
    s.spawned = spawned_.load();
    s.live = live_.load();
    return s;
}

void system::root_failed(const failure& f) {
    if (cfg_.on_root_failure)
        cfg_.on_root_failure(f);
    else
        request_shutdown();
}

void system::request_shutdown() {
    if (shared_->shutting_down.exchange(true)) return;
    root_.raw()->request_stop(exit_reason{exit_reason::kind::shutdown, "system shutdown"});
}

bool system::await_shutdown(duration timeout) {
    if (cfg_.exec->driven_by_caller()) {
        while (live_.load() > 0 && cfg_.exec->drive_one()) {
        }
        return live_.load() == 0;
    }
    std::unique_lock lock(mutex_);
    return all_stopped_.wait_for(lock, timeout, [&] { return live_.load() == 0; });
}

bool system::shutdown(duration timeout) {
    request_shutdown();
    return await_shutdown(timeout);
}

}  // namespace act
