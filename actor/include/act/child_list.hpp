#pragma once

#include "act/cell.hpp"

#include <cstddef>

namespace act {

/// A supervisor's children in start order: a list linked through the
/// cells themselves, so a child costs its parent no allocation (a session
/// supervisor has one child per connection). The list holds a reference to
/// each child it links. A cell is in at most one list: its parent's.
///
/// Only the owning supervisor's turn may use it (the links in the cells are
/// its state).
class child_list {
public:
    child_list() = default;
    child_list(child_list&& o) noexcept;
    child_list& operator=(child_list&& o) noexcept;
    child_list(const child_list&) = delete;
    child_list& operator=(const child_list&) = delete;
    ~child_list() { clear(); }

    /// Links `c` last, taking the reference. `c` must be in no list.
    void push_back(intrusive_ptr<cell> c) noexcept;
    /// Unlinks `c` and returns the list's reference; null if `c` is not here.
    intrusive_ptr<cell> remove(cell& c) noexcept;
    bool contains(const cell& c) const noexcept { return c.sibling_prev != nullptr || head_ == &c; }
    /// Unlinks every child and drops the references.
    void clear() noexcept;

    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t size() const noexcept { return size_; }
    cell* front() const noexcept { return head_; }  ///< first started; null when empty
    cell* back() const noexcept { return tail_; }   ///< last started; null when empty
    /// The child started after `c`, or null.
    static cell* next(const cell& c) noexcept { return c.sibling_next; }

private:
    cell* head_ = nullptr;
    cell* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace act
