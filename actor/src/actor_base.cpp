#include "act/actor_base.hpp"

#include "runtime_messages.hpp"

namespace act {

void actor_base::stop() {
    // Queued, not done here: the handler calling stop() is still running and
    // must finish with its instance intact. The system lane is read right
    // after each handler, so nothing else is handled first.
    cell_->enqueue_system(new detail::stop_msg(exit_reason{}, false));
}

void actor_base::watch(const intrusive_ptr<cell>& other, bool link) {
    if (!other || other.get() == cell_) return;
    cell_->note_watching(other);
    other->enqueue_system(new detail::watch_msg(intrusive_ptr<cell>(cell_), link));
}

void actor_base::unwatch_cell(const intrusive_ptr<cell>& other) {
    if (!other) return;
    other->enqueue_system(new detail::unwatch_msg(cell_));
    cell_->remove_watcher(other.get());
    cell_->forget_watching(other.get());
}

}  // namespace act
