#pragma once

// Mentions: the users a line's text names with `@` (docs/protocol.md,
// "Read markers, unread and mentions"). The room finds them when it stores
// a line or an edit; storage counts them for the mentioned users. Pure.

#include "protocol/limits.hpp"
#include "protocol/validate.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::chat {

/// Most users one line mentions; names after that are not looked for.
inline constexpr std::size_t max_mentions = 32;

/// Most `@`s of one line looked at: each costs up to max_mention_bytes
/// lookups, so a line of `@`s cannot keep the room busy.
inline constexpr std::size_t max_mention_marks = 128;

/// The longest user id a mention can name: a user name with the guest prefix.
inline constexpr std::size_t max_mention_bytes = protocol::max_name_bytes + protocol::guest_prefix.size();

/// The users `text` mentions, each once, in the order they first appear,
/// never `sender`, at most max_mentions. `is_user(id)` says whether `id` may
/// be mentioned here (a member of the room or in it now).
///
/// A mention is an `@` at the start of the text or after a character that
/// is not an ASCII letter, digit or `_`, followed by a user id for which
/// is_user is true, and then the end of the text or a character that is
/// not an ASCII letter, digit or `_` (nor a `.` or `-` followed by one).
/// When several ids fit, the longest is meant ("@ann lee" names "ann lee"
/// over "ann"). Ids are compared exactly (case too). Only the first
/// max_mention_marks such `@`s count. Any thread; text must be UTF-8.
std::vector<std::string> find_mentions(std::string_view text, std::string_view sender,
                                       const std::function<bool(const std::string&)>& is_user);

}  // namespace chatd::chat
