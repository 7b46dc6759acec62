#include "app/api_service.hpp"

#include "app/api_json.hpp"
#include "app/api_support.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/validate.hpp"
#include "session/client_session.hpp"
#include "session/history_reply.hpp"

#include <atomic>
#include <chrono>
#include <random>
#include <utility>
#include <vector>

namespace chatd::app {

namespace api {

net::api_response refused_by_room(protocol::error_code code, std::string_view not_found_message) {
    using protocol::error_code;
    switch (code) {
        case error_code::not_found: return not_found(not_found_message);
        case error_code::forbidden:
            return error(403, protocol::to_string(code), "the change does not apply to this user or room");
        case error_code::banned:
        case error_code::muted: return error(403, protocol::to_string(code), "refused by the room");
        case error_code::room_exists: return error(409, protocol::to_string(code), "a room of that name exists");
        case error_code::invalid_field: return error(400, protocol::to_string(code), "a text holds U+0000");
        default: return unavailable("the room did not store it; retry with the same client_id");
    }
}

std::string server_client_id() {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    thread_local std::mt19937_64 rng{std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)};
    std::string id = "sys:";
    for (int i = 0; i < 26; ++i) id.push_back(alphabet[rng() % alphabet.size()]);
    return id;
}

}  // namespace api

namespace {

using protocol::error_code;
using api::ask_then;
using api::not_found;
using api::unavailable;

net::api_response method_not_allowed(std::string_view allow) {
    auto r = api::error(405, "method_not_allowed", "this path takes " + std::string(allow));
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

// Whether a path that takes `allow` ("GET, POST") takes `method` (HEAD where GET is).
bool takes(std::string_view allow, std::string_view method) {
    if (method == "HEAD") method = "GET";
    while (!allow.empty()) {
        const auto comma = allow.find(", ");
        if (allow.substr(0, comma) == method) return true;
        allow = comma == std::string_view::npos ? std::string_view{} : allow.substr(comma + 2);
    }
    return false;
}

net::api_response bad_name(std::string_view message) {
    return api::error(400, protocol::to_string(error_code::invalid_field), message);
}

// The path split at '/', after /api/v1/.
std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty()) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

}  // namespace

api_service::api_service(api_context ctx) : ctx_(std::move(ctx)) {
    for (std::size_t i = 0; i < ctx_.opts.keys->size(); ++i)
        buckets_.emplace_back(ctx_.opts.rate_per_second, ctx_.opts.rate_burst);
    if (ctx_.registry == nullptr) return;
    for (std::size_t i = 0; i < requests_.size(); ++i)
        requests_[i] = &ctx_.registry->add_counter(
            "chatd_api_requests_total", "HTTP API requests by the status they were answered with",
            {{"status", i < counted_statuses.size() ? std::to_string(counted_statuses[i]) : "other"}});
}

void api_service::count(unsigned status) const {
    if (ctx_.registry == nullptr) return;
    std::size_t i = 0;
    while (i < counted_statuses.size() && counted_statuses[i] != status) ++i;
    requests_[i]->inc();
}

void api_service::handle(net::api_request req, net::api_answer reply) {
    net::api_answer answer = [this, reply = std::move(reply)](net::api_response r) {
        count(r.status);
        reply(std::move(r));
    };
    // The key first: without one, nothing about the API is told, not even
    // which paths exist.
    constexpr std::string_view scheme = "Bearer ";
    const std::string_view auth = req.authorization;
    std::optional<std::size_t> key;
    if (auth.size() > scheme.size() && auth.substr(0, scheme.size()) == scheme)
        key = ctx_.opts.keys->match(auth.substr(scheme.size()));
    if (!key) {
        auto r = api::error(401, protocol::to_string(error_code::auth_failed),
                            auth.empty() ? "send Authorization: Bearer <key>" : "the key is not valid");
        r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="chatd")");
        return answer(std::move(r));
    }
    if (const long wait = buckets_[*key].take(token_bucket::clock::now()); wait != 0) {
        auto r = api::error(429, protocol::to_string(error_code::rate_limited), "too many requests; slow down");
        r.headers.emplace_back("Retry-After", std::to_string(wait));
        return answer(std::move(r));
    }
    const std::string_view target = req.target;
    const auto q = target.find('?');
    const std::string_view path = target.substr(0, std::min(q, target.find('#')));
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    route(req, path, query, std::move(answer));
}

void api_service::route(const net::api_request& req, std::string_view path, std::string_view query,
                        net::api_answer answer) {
    constexpr std::string_view prefix = "/api/v1/";
    if (path.substr(0, prefix.size()) != prefix) return answer(not_found());
    const auto parts = segments(path.substr(prefix.size()));
    const std::string_view method = req.method;
    if (parts.size() == 1 && parts[0] == "rooms") {
        if (method == "POST") return create_room(req.body, std::move(answer));
        if (method == "GET" || method == "HEAD") return list_rooms(query, std::move(answer));
        return answer(method_not_allowed("GET, POST"));
    }
    if (parts.size() >= 2 && parts[0] == "rooms") return route_room(req, parts, query, std::move(answer));
    if (parts.size() != 3 || parts[0] != "users" || parts[2] != "connections") return answer(not_found());
    if (method != "DELETE") return answer(method_not_allowed("DELETE"));
    const auto user = api::percent_decode(parts[1]);
    if (!user || !protocol::is_valid_user_id(*user)) return answer(bad_name("not a user id (or a bad %-escape)"));
    disconnect(*user, std::move(answer));
}

// /api/v1/rooms/{room}[/messages[/{seq}] | /members/{user} | /bans/{user} | /mutes/{user}]
// (PATCH /api/v1/rooms/{room} sets the topic)
void api_service::route_room(const net::api_request& req, const std::vector<std::string_view>& parts,
                             std::string_view query, net::api_answer answer) {
    const std::string_view method = req.method;
    const bool known = parts.size() == 2 || (parts.size() == 3 && parts[2] == "messages") ||
                       (parts.size() == 4 && (parts[2] == "messages" || parts[2] == "members" ||
                                              parts[2] == "bans" || parts[2] == "mutes"));
    if (!known) return answer(not_found());
    // The methods first: a wrong one is told whatever the names.
    const std::string_view allow = parts.size() == 2   ? "GET, PATCH"
                                   : parts.size() == 3 ? "GET, POST"
                                   : parts[2] == "messages" ? "DELETE"
                                   : parts[2] == "members"  ? "PUT, DELETE"
                                                            : "POST, DELETE";
    if (!takes(allow, method)) return answer(method_not_allowed(allow));
    const auto room = api::percent_decode(parts[1]);
    if (!room || !protocol::is_valid_room_name(*room))
        return answer(bad_name("a room name is 1-64 bytes of [A-Za-z0-9_.-], not starting with '.', "
                               "or '!' and 1-64 of [a-z0-9] (or a bad %-escape)"));
    if (parts.size() == 2) {
        if (method == "PATCH") return set_topic(*room, req.body, std::move(answer));
        return get_room(*room, std::move(answer));
    }
    if (parts.size() == 3) {
        if (method == "POST") return post(*room, req.body, std::move(answer));
        return history(*room, query, std::move(answer));
    }
    const auto name = api::percent_decode(parts[3]);
    if (parts[2] == "messages") {
        const auto seq = name ? api::parse_uint(*name) : std::nullopt;
        if (!seq || *seq == 0) return answer(bad_name("a line's seq is a whole number, 1 to 2^53 - 1"));
        return delete_line(*room, *seq, std::move(answer));
    }
    if (!name || !protocol::is_valid_user_id(*name)) return answer(bad_name("not a user id (or a bad %-escape)"));
    change_member(*room, *name, method, parts[2], req.body, std::move(answer));
}

// ---- GET /api/v1/rooms/{room}/messages -------------------------------------------

void api_service::history(const std::string& room, std::string_view query, net::api_answer answer) {
    net::api_response refused;
    const auto q = api::decode_history_query(query, refused);
    if (!q) return answer(std::move(refused));
    ask_then<storage::read_result>::send(
        ctx_.storage, storage::read_history{room, q->before, q->limit}, ctx_.ask_timeout,
        [this, room, answer](act::result<storage::read_result> r) {
            if (!r || !r->ok) return answer(unavailable("history is not available now"));
            // Off the storage thread to encode.
            ctx_.post_io([this, room, answer, page = std::move(*r)] {
                answer({200, session::encode_history({}, room, page, ctx_.max_history_reply_bytes), {}});
            });
        });
}

// ---- POST /api/v1/rooms/{room}/messages ------------------------------------------

void api_service::post(const std::string& room, std::string_view body, net::api_answer answer) {
    net::api_response refused;
    auto line = api::decode_post(body, ctx_.limits, refused);
    if (!line) return answer(std::move(refused));
    if (line->client_id.empty()) line->client_id = api::server_client_id();
    chat::server_post m{std::string(session::system_user), std::move(line->client_id), std::move(line->text),
                        api::wall_clock_ms()};
    // The room of that name, started if it is not running, then the line,
    // answered once committed. A public name is made as a join makes it; a
    // server-assigned one never is: storage refuses the line (not_found).
    const auto timeout = ctx_.ask_timeout;
    ask_then<chat::open_result>::send(
        ctx_.lobby, chat::open_room{room, std::nullopt, true}, timeout,
        [room, m = std::move(m), answer, timeout](act::result<chat::open_result> opened) mutable {
            if (opened && opened->refused) return answer(not_found("no such room"));
            if (!opened || !opened->room.valid()) return answer(unavailable("the room is not available; retry"));
            const std::string client_id = m.client_id;
            ask_then<chat::posted>::send(
                opened->room, std::move(m), timeout,
                [room, client_id, answer](act::result<chat::posted> r) {
                    if (r && r->error) return answer(api::refused_by_room(*r->error, "no such room"));
                    if (!r) return answer(unavailable("the message was not stored; retry with the same client_id"));
                    protocol::json_writer w(128 + room.size() + client_id.size());
                    w.begin_object();
                    w.string_field("room", room);
                    w.string_field("client_id", client_id);
                    w.unsigned_field("seq", r->seq);
                    w.signed_field("ts", r->ts_ms);
                    w.bool_field("duplicate", r->duplicate);
                    w.end_object();
                    answer({r->duplicate ? 200U : 201U, std::move(w).take(), {}});
                });
        });
}

// ---- DELETE /api/v1/users/{user}/connections -------------------------------------

void api_service::disconnect(const std::string& user, net::api_answer answer) {
    // Each of the user's sessions is told; the count is answered when the
    // last has handled (or dropped) the push, as its last copy goes.
    auto* closed = new std::atomic<std::uint32_t>(0);
    std::shared_ptr<std::atomic<std::uint32_t>> tally(closed, [user, answer](std::atomic<std::uint32_t>* n) {
        protocol::json_writer w(64 + user.size());
        w.begin_object();
        w.string_field("user", user);
        w.unsigned_field("closed", n->load());
        w.end_object();
        delete n;
        answer({200, std::move(w).take(), {}});
    });
    if (ctx_.users != nullptr)
        ctx_.users->close_all(user, session::close_connection{session::close_code::disconnected,
                                                              "disconnected by the server", std::move(tally)});
}

}  // namespace chatd::app
