#pragma once

#include "app/api_service.hpp"
#include "bus/bus_options.hpp"
#include "chat/room_options.hpp"
#include "net/net_config.hpp"
#include "session/session_config.hpp"
#include "storage/writer.hpp"
#include "store_pg/pg_writer.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace chatd::app {

/// Everything chatd can be told, from flags and CHATD_* variables.
struct server_config {
    net::net_config net;
    storage::writer_options storage;
    /// Cluster mode: PostgreSQL instead of SQLite when postgres.conninfo is
    /// set (--store postgres://...).
    store_pg::pg_writer_options postgres;
    /// The server serves the room model (private and direct rooms, roles,
    /// moderation, edits, reactions, read markers: docs/protocol.md); the
    /// decoder's own default is off, for codecs that know only the first requests.
    session::session_config session = [] {
        session::session_config s;
        s.limits.product_requests = true;
        return s;
    }();
    chat::room_options rooms;
    api_options api;  ///< the HTTP API; off without keys
    std::optional<bus::bus_options> bus;  ///< the cluster bus (--bus); unset: one node
    /// With a bus: its presence_ttl (--presence-ttl); unset: the bus's default.
    std::optional<std::chrono::milliseconds> presence_ttl;
    std::size_t threads = 0;  ///< io threads that also run actor turns; 0: one per core
    std::string log_level = "info";
    std::optional<bool> allow_guests;  ///< as given; unset: guests only when no JWT secret nor JWKS file
};

/// Reads flags (`--port 8080` or `--port=8080`) over CHATD_* environment
/// variables (CHATD_PORT=8080) over defaults. Returns nullopt and prints the
/// usage for --help; throws std::invalid_argument for a bad value or an
/// unknown flag. For main, at start-up only.
std::optional<server_config> parse_config(int argc, char** argv);

/// The usage text for --help.
std::string usage();

}  // namespace chatd::app
