#include "app/session_directory.hpp"

#include <utility>

namespace chatd::app {

directory_entry::directory_entry(session_directory& d, session::client_session::ref_type s)
    : session_(std::move(s)), directory_(d) {
    directory_.add(*this);
}

directory_entry::~directory_entry() { directory_.remove(*this); }

void session_directory::add(directory_entry& e) {
    const std::lock_guard lock(mutex_);
    e.next_ = head_;
    if (head_ != nullptr) head_->prev_ = &e;
    head_ = &e;
    ++size_;
}

void session_directory::remove(directory_entry& e) noexcept {
    const std::lock_guard lock(mutex_);
    if (e.prev_ != nullptr) e.prev_->next_ = e.next_;
    else head_ = e.next_;
    if (e.next_ != nullptr) e.next_->prev_ = e.prev_;
    --size_;
}

std::vector<session::client_session::ref_type> session_directory::sessions() const {
    const std::lock_guard lock(mutex_);
    std::vector<session::client_session::ref_type> out;
    out.reserve(size_);
    for (const directory_entry* e = head_; e != nullptr; e = e->next_) out.push_back(e->session_);
    return out;
}

}  // namespace chatd::app
