#pragma once

// Read markers and what is unread after them. Part of message_store; single-
// threaded by the same contract. Writes run inside the store's transaction.

#include "storage/result.hpp"
#include "storage/rows.hpp"
#include "storage/sqlite.hpp"

#include <cstdint>
#include <string_view>

namespace chatd::storage {

class marker_store {
public:
    /// Prepares the statements. Throws startup_error if one cannot be.
    explicit marker_store(database& db);

    /// Moves user's marker in room up to seq (never down). The room must exist.
    result<void> advance(std::string_view user, std::string_view room, std::uint64_t seq);

    /// Drops user's marker in room: the user gave the room up (or was
    /// removed or banned), so its rooms no longer list it.
    result<void> forget(std::string_view user, std::string_view room);

    /// user's marker in room; 0 when it has none.
    result<std::uint64_t> marker(std::string_view user, std::string_view room);

    /// After `after` in room: the lines (not deleted, not user's own) and
    /// those of them mentioning user, each counted up to max_counted; the
    /// answer's seq is `after`.
    result<mark_outcome> unread(std::string_view user, std::string_view room, std::uint64_t after);

private:
    statement advance_;
    statement forget_;
    statement marker_;
    statement unread_;
    statement mentions_;
};

}  // namespace chatd::storage
