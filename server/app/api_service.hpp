#pragma once

// The HTTP API for an app's backend (docs/api.md): /api/v1/ behind a bearer
// key. The net layer hands each request under /api/ to handle() and writes
// the answer; this checks the key and the key's rate, routes, decodes, and
// asks the actors, never waiting for them on the io thread.

#include "act/ref.hpp"
#include "app/api_keys.hpp"
#include "app/api_rate.hpp"
#include "session/user_directory.hpp"
#include "chat/messages.hpp"
#include "chat/user_notifier.hpp"
#include "metrics/registry.hpp"
#include "net/listener.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/limits.hpp"
#include "storage/writer_messages.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::app {

/// What the API is told by the command line.
struct api_options {
    /// The keys (--api-key-file); null: no API, every /api/ path is 404.
    std::shared_ptr<const api_keys> keys;
    double rate_per_second = 20;  ///< requests per second per key, refilled continuously
    double rate_burst = 100;      ///< bucket size per key
};

/// Whom the API talks to; made by chat_server once the actors run.
struct api_context {
    api_options opts;
    protocol::limits limits;           ///< max_text_bytes, as WebSocket clients have
    std::size_t max_history_reply_bytes = 256 * 1024;
    act::duration ask_timeout = std::chrono::seconds(10);
    act::ref<chat::open_room> lobby;
    act::ref<storage::read_history, storage::read_room, storage::create_room, storage::list_rooms> storage;
    /// Where chatd_api_requests_total{status} is registered; null: not counted.
    metrics::registry* registry = nullptr;
    /// Runs fn on an io thread (storage answers on its own thread, which
    /// must not spend its time encoding replies).
    std::function<void(std::function<void()>)> post_io;
    /// The sessions of each user: told of rooms the API adds them to
    /// (room_added), closed by disconnect; null: neither.
    session::user_directory* users = nullptr;
};

/// Thread-safe: handle() is called on any io thread, for many requests at once.
class api_service {
public:
    explicit api_service(api_context ctx);

    /// Answers one request under /api/, now or later from any thread.
    void handle(net::api_request req, net::api_answer answer);

private:
    void route(const net::api_request& req, std::string_view path, std::string_view query, net::api_answer answer);
    void route_room(const net::api_request& req, const std::vector<std::string_view>& parts, std::string_view query,
                    net::api_answer answer);
    void history(const std::string& room, std::string_view query, net::api_answer answer);
    void post(const std::string& room, std::string_view body, net::api_answer answer);
    void disconnect(const std::string& user, net::api_answer answer);
    // The room endpoints (api_rooms.cpp).
    void create_room(std::string_view body, net::api_answer answer);
    void made_room(const storage::room_state& state) const;
    void list_rooms(std::string_view query, net::api_answer answer);
    void get_room(const std::string& room, net::api_answer answer);
    void set_topic(const std::string& room, std::string_view body, net::api_answer answer);
    void change_member(const std::string& room, const std::string& user, std::string_view method,
                       std::string_view what, std::string_view body, net::api_answer answer);
    void delete_line(const std::string& room, std::uint64_t seq, net::api_answer answer);
    /// Tells the room (started if it is a public name) the app's change,
    /// and answers with what `encode` makes of the stored event.
    using change_answer = std::function<void(protocol::json_writer&)>;
    void change(const std::string& room, chat::change::body_type body, change_answer fields, net::api_answer answer);

    void count(unsigned status) const;

    const api_context ctx_;
    // chatd_api_requests_total by status: those the API answers, then "other".
    static constexpr std::array<unsigned, 11> counted_statuses{200, 201, 400, 401, 403, 404, 405, 409, 429, 500, 503};
    std::array<metrics::counter*, counted_statuses.size() + 1> requests_{};
    std::deque<token_bucket> buckets_;  // one per key, by index (a deque: the buckets do not move)
};

}  // namespace chatd::app
