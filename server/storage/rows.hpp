#pragma once

// The rows the message store reads and writes: plain values, no rooms, no
// JSON. Sequence numbers are per room and start at 1; 0 means "none".

#include <cstdint>
#include <string>
#include <vector>

namespace chatd::storage {

/// A chat line to store. The store assigns its sequence number.
/// room, sender and client_id must not be empty; client_id is the sender's
/// own id for the line, so a resent line is recognised as a duplicate.
struct new_message {
    std::string room;
    std::string sender;
    std::string client_id;
    std::string text;
    std::int64_t ts_ms = 0;  ///< when the server received it, ms since the Unix epoch
};

enum class append_status : std::uint8_t {
    stored,     ///< written now, with a new sequence number
    duplicate,  ///< (room, sender, client_id) was already stored; nothing written
};

/// What became of one new_message. For a duplicate, seq and ts_ms are the
/// ORIGINAL message's, so the sender can be acked as the first time.
struct append_outcome {
    append_status status = append_status::stored;
    std::uint64_t seq = 0;
    std::int64_t ts_ms = 0;

    friend bool operator==(const append_outcome&, const append_outcome&) = default;
};

/// A stored chat line.
struct stored_message {
    std::string room;
    std::uint64_t seq = 0;
    std::string sender;
    std::string client_id;
    std::string text;
    std::int64_t ts_ms = 0;

    friend bool operator==(const stored_message&, const stored_message&) = default;
};

/// Messages of one room in ascending seq order. has_more: further messages
/// exist beyond this page in the direction asked for (older ones for
/// history, newer ones for since).
struct page {
    std::vector<stored_message> messages;
    bool has_more = false;
};

}  // namespace chatd::storage
