#pragma once

// The network edge's settings: where to listen, what to serve, and every
// limit a connection lives under. Plain data, standard library only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace chatd::net {

struct net_config {
    // ---- where ----------------------------------------------------------------
    /// The address to bind: "127.0.0.1", "0.0.0.0", "::1", "::".
    std::string address = "127.0.0.1";
    /// 0 picks an ephemeral port; listener::port() tells which.
    std::uint16_t port = 8080;
    /// Static files are served from here (GET/HEAD, "/" → index.html).
    /// Empty: no static files, every such request gets 404.
    std::filesystem::path web_root;

    // ---- admission --------------------------------------------------------------
    /// Open WebSocket connections (handshakes in progress included). An
    /// upgrade over it gets HTTP 503. Keep it well below the process's
    /// open-file limit (20,000 on our machines, see docs/architecture.md): HTTP
    /// connections, the database and logs need descriptors too.
    std::size_t max_connections = 10000;
    /// Allowed values of the upgrade request's Origin header, compared
    /// ASCII case-insensitively ("https://chat.example.com"). Empty: any.
    /// A listed Origin is required for browsers; an upgrade with no Origin
    /// at all (a non-browser client, which could forge one anyway) is let
    /// in unless `require_origin`.
    std::vector<std::string> allowed_origins;
    bool require_origin = false;

    // ---- one WebSocket connection -----------------------------------------------
    /// Outbound bytes a connection may have queued and not yet written
    /// (frame payloads, the one being written included). Going over closes
    /// the connection with 4000 "slow consumer".
    std::size_t outbound_budget_bytes = 1024 * 1024;
    /// The transport's hard limit on one incoming message; over it the
    /// connection closes with 1009. Set above the protocol's max_frame_bytes (64 KiB)
    /// so frames in between reach the session, which answers them with
    /// `frame_too_large` and keeps the connection (docs/protocol.md).
    std::size_t read_message_max = 64 * 1024 + 4096;
    /// A peer silent this long is dropped. With keep-alive pings the
    /// server pings at half of it, so a live client
    /// that answers pings (browsers do) stays connected however quiet it is.
    /// Zero: no idle timeout.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
    bool keep_alive_pings = true;
    /// Once a connection starts closing, the longest it may take (queued
    /// frames and the close frame to a peer that does not read) before the
    /// socket is closed outright.
    std::chrono::milliseconds close_timeout = std::chrono::seconds(10);

    // ---- HTTP ---------------------------------------------------------------------
    /// Open plain HTTP connections (not upgraded). A new one over it closes
    /// the oldest idle one (waiting for its next request, on keep-alive or
    /// since it connected, with nothing of it read); when none is idle, the
    /// new one gets 503 and is closed. So /healthz answers however many
    /// idle connections clients hold.
    std::size_t max_http_connections = 512;
    /// Reading one request (and waiting for the next on a kept-alive
    /// connection), and writing one response.
    std::chrono::milliseconds http_timeout = std::chrono::seconds(30);
    /// Request header bytes; over it → 431.
    std::uint32_t http_header_limit = 8 * 1024;
    /// Request body bytes; over it → 413. Nothing we serve takes a body
    /// outside /api/.
    std::uint64_t http_body_limit = 4 * 1024;
    /// Request body bytes under /api/; over it → 413. A message's text of
    /// max_text_bytes (4096) escaped as \u00XX is 24 KiB.
    std::uint64_t api_body_limit = 32 * 1024;
    /// How long an /api/ request waits for its answer before 503.
    std::chrono::milliseconds api_timeout = std::chrono::seconds(15);
    /// How long /readyz waits for the readiness callback before 503.
    std::chrono::milliseconds readiness_timeout = std::chrono::seconds(5);

    // ---- threads ------------------------------------------------------------------
    /// True when exactly one thread runs the io_context. Its handlers then
    /// never run at once, so connections need no strand of their own: each
    /// would cost a strand (about 100 B) and a trip through it per handler.
    bool one_io_thread = false;

    // ---- accepting ----------------------------------------------------------------
    /// After a failed accept (EMFILE, ENFILE, ENOBUFS...), wait this long
    /// before accepting again, instead of spinning on the error.
    std::chrono::milliseconds accept_backoff = std::chrono::milliseconds(100);
};

}  // namespace chatd::net
