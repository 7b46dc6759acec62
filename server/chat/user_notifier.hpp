#pragma once

// How a room reaches a user's connections that are not in it: to tell it
// that it was added to the room or taken out of it. session::user_directory
// implements it; chat/ knows only this.

#include "chat/messages.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace chatd::chat {

/// Every connection of a user on this node. Thread-safe: rooms on any
/// thread call it. Bounded per user: a user is told at most so many of
/// these a second (see session::user_directory), so others inviting it
/// into room after room cannot flood its connections.
class user_notifier {
public:
    virtual ~user_notifier() = default;

    /// Tells `data` to every session of `user` but those whose ids are in
    /// `except` (those the room has told already). Returns how many were
    /// told: 0 when the user has none here, or is over its budget (the push
    /// is dropped; the user sees the change at its next identify).
    virtual std::size_t notify(const std::string& user, const frame& data,
                               std::span<const std::uint64_t> except = {}) = 0;
};

}  // namespace chatd::chat
