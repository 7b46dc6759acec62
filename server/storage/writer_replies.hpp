#pragma once

// How a storage writer answers its requesters: shared by both writers
// (storage::writer on SQLite, store_pg::pg_writer on PostgreSQL) so that
// they answer alike. No SQLite here. Called in the writer's own turn.

#include "storage/writer_messages.hpp"

#include <string>
#include <utility>

namespace chatd::storage {

/// Tells `to` (if any) how an append went.
inline void tell(const act::ref<append_done>& to, append_done d) {
    if (to) to.tell(std::move(d));
}

// Answers built field by field: GCC 12 warns (wrongly) of an uninitialized
// string in a braced one.

/// Answers a queued write's promise: not done, and why.
template <class T>
void refuse_promise(act::promise<answer<T>>& p, const std::string& why) {
    answer<T> a;
    a.error = why;
    p.deliver(std::move(a));
}

/// Answers a queued write's promise with its outcome.
template <class T>
void answer_ok(act::promise<answer<T>>& p, T value) {
    answer<T> a;
    a.ok = true;
    a.value = std::move(value);
    p.deliver(std::move(a));
}

/// The append_done status of a store's outcome.
constexpr append_done::status to_status(append_status s) noexcept {
    switch (s) {
    case append_status::stored: return append_done::status::stored;
    case append_status::duplicate: return append_done::status::duplicate;
    case append_status::rejected: return append_done::status::rejected;
    }
    return append_done::status::failed;
}

}  // namespace chatd::storage
