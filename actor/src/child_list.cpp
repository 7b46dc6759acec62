#include "act/child_list.hpp"

#include <cassert>
#include <utility>

namespace act {

child_list::child_list(child_list&& o) noexcept
    : head_(std::exchange(o.head_, nullptr)), tail_(std::exchange(o.tail_, nullptr)), size_(std::exchange(o.size_, 0)) {}

child_list& child_list::operator=(child_list&& o) noexcept {
    if (this != &o) {
        clear();
        head_ = std::exchange(o.head_, nullptr);
        tail_ = std::exchange(o.tail_, nullptr);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

void child_list::push_back(intrusive_ptr<cell> c) noexcept {
    cell* p = c.detach();
    assert(p->sibling_prev == nullptr && p->sibling_next == nullptr && head_ != p);  // in no list
    p->sibling_prev = tail_;
    p->sibling_next = nullptr;
    if (tail_ != nullptr) tail_->sibling_next = p;
    else head_ = p;
    tail_ = p;
    ++size_;
}

intrusive_ptr<cell> child_list::remove(cell& c) noexcept {
    if (!contains(c)) return {};
    if (c.sibling_prev != nullptr) c.sibling_prev->sibling_next = c.sibling_next;
    else head_ = c.sibling_next;
    if (c.sibling_next != nullptr) c.sibling_next->sibling_prev = c.sibling_prev;
    else tail_ = c.sibling_prev;
    c.sibling_prev = c.sibling_next = nullptr;
    --size_;
    return intrusive_ptr<cell>::adopt(&c);
}

void child_list::clear() noexcept {
    while (head_ != nullptr) remove(*head_);
}

}  // namespace act
