#pragma once

#include "metrics/metrics.hpp"
#include "protocol/error_code.hpp"

#include <array>
#include <cstddef>

namespace chatd::metrics {
class registry;
}

namespace chatd::chat {

/// Counters the chat actors bump; owned by the server's metrics registry,
/// which outlives every actor. Lock-free, so any actor may use them.
struct chat_metrics {
    metrics::counter* received = nullptr;   ///< chat lines sessions accepted from clients
    metrics::counter* delivered = nullptr;  ///< chat lines pushed to members (one per member)
    metrics::counter* acks = nullptr;       ///< acks sent (stored or duplicate)
    metrics::gauge* rooms = nullptr;        ///< room actors alive (each counts itself in and out)
    /// Error replies, by code.
    std::array<metrics::counter*, protocol::all_error_codes.size()> rejected{};

    /// Adds the chat counters to `r` (which must outlive every actor that
    /// counts) and returns pointers to them. At start-up, by app/.
    static chat_metrics registered_in(metrics::registry& r);

    void count_rejected(protocol::error_code code) const noexcept {
        for (std::size_t i = 0; i < protocol::all_error_codes.size(); ++i)
            if (protocol::all_error_codes[i] == code && rejected[i] != nullptr) rejected[i]->inc();
    }
};

/// Bumps a counter that may be absent (tests run without metrics).
inline void bump(metrics::counter* c, std::uint64_t n = 1) noexcept {
    if (c != nullptr) c->inc(n);
}

}  // namespace chatd::chat
