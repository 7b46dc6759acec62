#pragma once

#include "room_plan.hpp"

#include <memory>

namespace chatd::load {

class shard;

/// One WebSocket client: connects from its source address, upgrades, speaks
/// the protocol through the plan's adapter (identify, join), sends on a
/// jittered timer if it is a sender, and accounts for what it receives in
/// its shard's stats. Lives on its shard's thread only; every method is
/// called there. (Beast stays inside connection.cpp.)
class connection {
public:
    virtual ~connection() = default;

    /// Connect now.
    virtual void start() = 0;

    /// The run is over: stop sending and close with 1000; a disconnect from
    /// here on is not counted. The shard hears connection_ended when done.
    virtual void close() = 0;

    /// Adds this connection's sequence accounting to the shard's totals.
    virtual void account_sequence() = 0;
};

std::shared_ptr<connection> make_connection(shard& owner, connection_role role);

}  // namespace chatd::load
