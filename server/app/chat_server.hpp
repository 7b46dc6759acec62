#pragma once

#include "app/server_config.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace chatd::chat {
struct cluster_link;
}

namespace chatd::app {

/// chatd, whole: the supervisor tree of docs/architecture.md on an io_context
/// (storage on a thread of its own), the listener in front. main owns one;
/// end-to-end tests start one in-process on port 0.
class chat_server {
public:
    /// Starts everything and listens. Throws at start-up (bad config,
    /// port in use); storage::startup_error when the database cannot be
    /// opened, is damaged or cannot be written.
    explicit chat_server(server_config cfg);
    /// stop(), if not done.
    ~chat_server();
    chat_server(const chat_server&) = delete;
    chat_server& operator=(const chat_server&) = delete;

    /// The port it listens on (the chosen one when configured as 0).
    std::uint16_t port() const noexcept;

    /// Graceful stop, in reverse start order: stop accepting; close every
    /// connection with 1001 after its queued frames; stop sessions, rooms,
    /// lobby; storage commits its last batch and closes the database.
    /// Nothing acked is lost. Call from a thread that is not an io thread.
    void stop();

    /// Fault injection, for tests and drills: makes the room's actor fail
    /// as if its handler threw. Its supervisor restarts it; members rejoin.
    void inject_room_failure(const std::string& room);

private:
    void start();
    chat::cluster_link start_bus();
    struct parts;
    std::unique_ptr<parts> p_;
};

}  // namespace chatd::app
