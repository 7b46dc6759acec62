#pragma once

// What an event does besides taking its seq: the target rules it must pass
// and the side effects it has on the lines, reactions, mentions, members and
// topic, applied inside the message store's transaction. Part of
// message_store; single-threaded by the same contract.

#include "storage/result.hpp"
#include "storage/rows.hpp"
#include "storage/sqlite.hpp"

#include <cstdint>
#include <string_view>

namespace chatd::storage {

class marker_store;

class event_store {
public:
    /// Prepares the statements. Throws startup_error if one cannot be.
    explicit event_store(database& db);

    /// The target rule of m (edit, delete_line, react, unreact: target must be a
    /// line of m.room that is not deleted, and an edit's line must be
    /// m.sender's); reject_reason::none when m may be stored. Other kinds
    /// always pass.
    result<reject_reason> check(const new_message& m);

    /// The side effects of m, just stored with `seq`, in the open
    /// transaction. A member event that makes its subject a member moves
    /// the subject's read marker up to `seq` (the room's past is not unread).
    result<void> apply(const new_message& m, std::uint64_t seq, marker_store& markers);

private:
    result<void> edit(const new_message& m);
    result<void> erase(const new_message& m);
    result<void> add_mentions(const new_message& m, std::uint64_t line);
    result<void> member(const new_message& m, std::uint64_t seq, marker_store& markers);

    statement target_;
    statement edit_line_;
    statement delete_line_;
    statement erase_edits_;
    statement drop_reactions_;
    statement drop_mentions_;
    statement add_mention_;
    statement react_;
    statement unreact_;
    statement topic_;
    statement select_member_;
    statement upsert_member_;
    statement delete_member_;
};

}  // namespace chatd::storage
