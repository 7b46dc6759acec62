#include "act/actor_base.hpp"

#include "runtime_messages.hpp"

namespace act {

void actor_base::watch(const intrusive_ptr<cell>& other, bool link) {
    if (!other || other.get() == cell_) return;
    other->enqueue_system(new detail::watch_msg(intrusive_ptr<cell>(cell_), link));
}

void actor_base::unwatch_cell(const intrusive_ptr<cell>& other) {
    if (!other) return;
    other->enqueue_system(new detail::unwatch_msg(cell_));
    cell_->remove_watcher(other.get());
}

}  // namespace act
