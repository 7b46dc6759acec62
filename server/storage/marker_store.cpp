#include "storage/marker_store.hpp"

#include "storage/prepared.hpp"

#include <utility>

namespace chatd::storage {

namespace {
constexpr auto max_counted_sql = static_cast<std::int64_t>(max_counted);
}

marker_store::marker_store(database& db)
    : advance_(prepare_or_throw(db,
                                "INSERT INTO read_markers (user, room, seq) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (user, room) DO UPDATE SET seq = max(seq, excluded.seq)")),
      forget_(prepare_or_throw(db, "DELETE FROM read_markers WHERE user = ?1 AND room = ?2")),
      marker_(prepare_or_throw(db, "SELECT seq FROM read_markers WHERE user = ?1 AND room = ?2")),
      // The inner LIMIT bounds the walk: a room never read holds every line.
      unread_(prepare_or_throw(db,
                               "SELECT count(*) FROM (SELECT 1 FROM messages WHERE room = ?1 AND seq > ?2 "
                               "AND kind IS NULL AND deleted = 0 AND sender <> ?3 LIMIT ?4)")),
      mentions_(prepare_or_throw(db,
                                 "SELECT count(*) FROM (SELECT 1 FROM mentions WHERE user = ?1 AND room = ?2 "
                                 "AND seq > ?3 LIMIT ?4)")) {}

result<void> marker_store::advance(std::string_view user, std::string_view room, std::uint64_t seq) {
    return run_once(advance_.bind(1, user).bind(2, room).bind(3, static_cast<std::int64_t>(seq)));
}

result<void> marker_store::forget(std::string_view user, std::string_view room) {
    return run_once(forget_.bind(1, user).bind(2, room));
}

result<std::uint64_t> marker_store::marker(std::string_view user, std::string_view room) {
    auto seq = single_int(marker_.bind(1, user).bind(2, room));
    if (!seq) return std::move(seq).error();
    return static_cast<std::uint64_t>(*seq);
}

result<mark_outcome> marker_store::unread(std::string_view user, std::string_view room, std::uint64_t after) {
    const auto from = static_cast<std::int64_t>(after);
    auto lines = single_int(unread_.bind(1, room).bind(2, from).bind(3, user).bind(4, max_counted_sql));
    if (!lines) return std::move(lines).error();
    auto mentioned = single_int(mentions_.bind(1, user).bind(2, room).bind(3, from).bind(4, max_counted_sql));
    if (!mentioned) return std::move(mentioned).error();
    mark_outcome out;
    out.seq = after;
    out.unread = static_cast<std::uint64_t>(*lines);
    out.mentions = static_cast<std::uint64_t>(*mentioned);
    return out;
}

}  // namespace chatd::storage
