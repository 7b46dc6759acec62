#pragma once

// What the HTTP API's handlers (api_service.cpp, api_rooms.cpp) share: an
// ask from plain code, the answers every endpoint may give, and the ids and
// times the server makes. Not for other files.

#include "act/ask_state.hpp"
#include "act/result.hpp"
#include "app/api_json.hpp"
#include "net/listener.hpp"
#include "protocol/error_code.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace chatd::app::api {

/// An ask from plain code whose outcome goes to a function, on whichever
/// thread completes it.
template <class R>
class ask_then final : public act::ask_state<R> {
public:
    explicit ask_then(std::function<void(act::result<R>)> fn) : fn_(std::move(fn)) {}

    template <class Ref, class M>
    static void send(const Ref& to, M m, act::duration timeout, std::function<void(act::result<R>)> fn) {
        to.send_request(std::shared_ptr<act::ask_state<R>>(std::make_shared<ask_then>(std::move(fn))), std::move(m),
                        timeout);
    }

private:
    void deliver(act::result<R> r) override { fn_(std::move(r)); }
    std::function<void(act::result<R>)> fn_;
};

inline net::api_response unavailable(std::string_view message) { return error(503, "unavailable", message); }

inline net::api_response not_found(std::string_view message = "no such path") {
    return error(404, protocol::to_string(protocol::error_code::not_found), message);
}

/// The answer to a room's refusal, by its code: 404 not_found, 403
/// forbidden (banned and muted too), 409 room_exists, else 503 unavailable.
net::api_response refused_by_room(protocol::error_code code, std::string_view not_found_message);

inline std::int64_t wall_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// A client_id for an event the API makes without one: "sys:" and 26
/// random base-32 characters, never the same twice in practice.
std::string server_client_id();

}  // namespace chatd::app::api
