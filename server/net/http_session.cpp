#include <utility>  // before Boost: see docs/architecture.md

#include "net/http_session.hpp"

#include "metrics/registry.hpp"
#include "net/http_routing.hpp"
#include "net/server_state.hpp"
#include "net/static_files.hpp"
#include "net/ws_accept.hpp"
#include "net/ws_handshake.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chatd::net::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view server_name = "chatd";

// Beast 1.74 speaks boost::string_view.
beast::string_view bsv(std::string_view s) noexcept { return {s.data(), s.size()}; }
std::string_view ssv(beast::string_view s) noexcept { return {s.data(), s.size()}; }
constexpr std::string_view text_plain = "text/plain; charset=utf-8";
constexpr std::string_view application_json = "application/json";
// The first read of a request: most requests fit.
constexpr std::size_t first_read_bytes = 2048;

// What a response needs from its request once the request is gone.
struct request_meta {
    unsigned version = 11;
    bool keep_alive = true;
    bool head = false;
};

request_meta meta_of(const upgrade_request& req) {
    return {req.version(), req.keep_alive(), req.method() == http::verb::head};
}

std::string remote_of(const tcp::socket& s) {
    boost::system::error_code ec;
    const auto ep = s.remote_endpoint(ec);
    if (ec) return "?";
    const auto addr = ep.address();
    return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

// How long a connection refused for the HTTP connection limit may take to
// close after its 503: its request is read and dropped meanwhile, so the
// close does not reset the connection before the client reads the 503.
constexpr auto refused_linger = std::chrono::seconds(2);

class http_session : public std::enable_shared_from_this<http_session>, public http_tracked {
public:
    http_session(std::shared_ptr<server_state> state, tcp::socket socket)
        : state_(std::move(state)), stream_(std::move(socket)) {}
    ~http_session() override { state_->http_release(*this); }

    void run() {
        // On the connection's strand from the start.
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->admit(); });
    }

    void evict() override {
        asio::post(stream_.get_executor(), [self = shared_from_this()] {
            self->state_->log.debug("http connection from {} closed: idle, its place taken by a new one",
                                    remote_of(self->stream_.socket()));
            self->stream_.close();  // its pending read ends with operation_aborted
        });
    }

    std::shared_ptr<http_tracked> lock() noexcept override { return weak_from_this().lock(); }

private:
    const net_config& cfg() const noexcept { return state_->cfg; }

    void admit() {
        std::shared_ptr<http_tracked> evicted;
        if (!state_->http_admit(*this, evicted)) {
            state_->log.debug("http connection from {} refused: {} HTTP connections busy", remote_of(stream_.socket()),
                              cfg().max_http_connections);
            return refuse();
        }
        if (evicted) evicted->evict();
        do_read();
    }

    void do_read() {
        parser_.emplace();
        parser_->header_limit(cfg().http_header_limit);
        // The larger limit while the header is read (a Content-Length over
        // it fails there); on_header sets the one of the request's path.
        parser_->body_limit(state_->callbacks.api ? std::max(cfg().http_body_limit, cfg().api_body_limit)
                                                  : cfg().http_body_limit);
        stream_.expires_after(cfg().http_timeout);
        if (buffer_.size() != 0) return read_request();  // the next request is already here (pipelined)
        // Nothing of the next request yet: the connection is idle, and the
        // limit may close it to make room, until its first bytes arrive.
        state_->http_idle(*this);
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                    self->on_first_bytes(ec, n);
                                });
    }

    void on_first_bytes(beast::error_code ec, std::size_t n) {
        if (!state_->http_busy(*this)) return;  // evicted: the socket is closed or about to be
        if (ec == asio::error::eof) return do_close();
        if (ec) {
            state_->log.debug("http read from {}: {}", remote_of(stream_.socket()), ec.message());
            return;
        }
        buffer_.commit(n);
        read_request();
    }

    // The header first, to know which body limit applies, then the rest.
    void read_request() {
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read(ec);
        const bool api = state_->callbacks.api && is_api_path(path_of(ssv(parser_->get().target())));
        const auto limit = api ? cfg().api_body_limit : cfg().http_body_limit;
        if (const auto length = parser_->content_length(); length && *length > limit)
            return on_read(http::error::body_limit);
        parser_->body_limit(limit);  // for a chunked body
        // curl asks before sending a body over 1 KiB, and waits a second
        // for the answer unless it gets one.
        if (api && beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
            auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                            parser_->get().version());
            http::async_write(stream_, *go_on, [self = shared_from_this(), go_on](beast::error_code e, std::size_t) {
                if (e) return self->on_read(e);
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
    }

    // No place under max_http_connections: 503 at once, then drop what
    // the client sends until it closes or refused_linger passes.
    void refuse() {
        request_meta meta;
        meta.keep_alive = false;
        auto res = std::make_shared<http::response<http::string_body>>(
            text_response(meta, http::status::service_unavailable, "too many HTTP connections\n"));
        stream_.expires_after(refused_linger);
        http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
            if (ec) return;
            self->do_close();
            self->drain();
        });
    }

    void drain() {
        stream_.async_read_some(buffer_.prepare(first_read_bytes),
                                [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (ec) return;
                                    self->buffer_.clear();
                                    self->drain();
                                });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream) return do_close();
        if (ec) {
            // Timeouts and broken connections just end; a malformed request
            // gets an answer first.
            if (ec == http::error::header_limit) return send_error({}, http::status::request_header_fields_too_large);
            if (ec == http::error::body_limit) {
                if (state_->callbacks.api && is_api_path(path_of(ssv(parser_->get().target()))))
                    return send_api_error({.keep_alive = false}, http::status::payload_too_large, "frame_too_large",
                                          "the request body is over " + std::to_string(cfg().api_body_limit) + " bytes");
                return send_error({}, http::status::payload_too_large);
            }
            if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                ec != http::error::partial_message)
                return send_error({}, http::status::bad_request);
            state_->log.debug("http read from {}: {}", remote_of(stream_.socket()), ec.message());
            return;
        }
        state_->counters.http_requests.fetch_add(1, std::memory_order_relaxed);
        route(parser_->release());
    }

    void route(upgrade_request req) {
        const auto meta = meta_of(req);
        switch (route_of(req)) {
            case http_route::bad_host: return send_error(meta, http::status::bad_request);
            case http_route::websocket: return upgrade(std::move(req));
            case http_route::upgrade_elsewhere: return send_text(meta, http::status::not_found, "not found\n");
            case http_route::upgrade_required: {
                state_->counters.count(reject_reason::not_websocket);
                auto res = text_response(meta, http::status::upgrade_required, "expected a WebSocket upgrade\n");
                res.set(http::field::upgrade, "websocket");
                res.set(http::field::connection, meta.keep_alive ? "upgrade, keep-alive" : "upgrade, close");
                return send(std::move(res));
            }
            case http_route::method_not_allowed: {
                auto res = text_response(meta, http::status::method_not_allowed, "method not allowed\n");
                res.set(http::field::allow, "GET, HEAD");
                return send(std::move(res));
            }
            case http_route::healthz: return send_text(meta, http::status::ok, "ok\n");
            case http_route::readyz: return check_ready(meta);
            case http_route::metrics:
                if (!state_->callbacks.render_metrics) return send_text(meta, http::status::not_found, "not found\n");
                return send_text(meta, http::status::ok, state_->callbacks.render_metrics(), metrics::content_type);
            case http_route::api: return serve_api(meta, std::move(req));
            case http_route::static_file: return serve_file(meta, ssv(req.target()));
        }
    }

    // ---- responses ------------------------------------------------------------------

    http::response<http::string_body> text_response(const request_meta& meta, http::status status, std::string body,
                                                    std::string_view type = text_plain) {
        http::response<http::string_body> res{status, meta.version};
        res.set(http::field::server, bsv(server_name));
        res.set(http::field::content_type, bsv(type));
        res.set(http::field::cache_control, "no-store");
        res.keep_alive(meta.keep_alive);
        res.body() = std::move(body);
        res.prepare_payload();
        if (meta.head) res.body().clear();  // Content-Length stays that of the GET
        return res;
    }

    void send_text(const request_meta& meta, http::status status, std::string body,
                   std::string_view type = text_plain) {
        send(text_response(meta, status, std::move(body), type));
    }

    // A request we could not parse: answer and close.
    void send_error(request_meta meta, http::status status) {
        meta.keep_alive = false;
        send_text(meta, status, std::string(http::obsolete_reason(status)) + "\n");
    }

    template <class Body>
    void send(http::response<Body> res) {
        const bool close = res.need_eof();
        auto owned = std::make_shared<http::response<Body>>(std::move(res));
        stream_.expires_after(cfg().http_timeout);
        http::async_write(stream_, *owned, [self = shared_from_this(), owned, close](beast::error_code ec, std::size_t) {
            self->on_write(ec, close);
        });
    }

    void on_write(beast::error_code ec, bool close) {
        if (ec) {
            state_->log.debug("http write to {}: {}", remote_of(stream_.socket()), ec.message());
            return;
        }
        if (close) return do_close();
        do_read();
    }

    void do_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        // The socket closes when the last handler lets go of this session.
    }

    // ---- routes -----------------------------------------------------------------------

    void serve_file(const request_meta& meta, std::string_view target) {
        if (!state_->files) return send_text(meta, http::status::not_found, "not found\n");
        const auto found = state_->files->lookup(target);
        if (found.what == static_files::outcome::bad_request)
            return send_text(meta, http::status::bad_request, "bad request\n");
        if (found.what == static_files::outcome::not_found)
            return send_text(meta, http::status::not_found, "not found\n");

        // From memory: the files were read at start-up, not on this io thread.
        const auto size = found.body->size();

        const auto headers = [&](auto& res) {
            res.set(http::field::server, bsv(server_name));
            res.set(http::field::content_type, bsv(found.content_type));
            res.set("X-Content-Type-Options", "nosniff");
            res.set(http::field::cache_control, "no-cache");
            res.content_length(size);
            res.keep_alive(meta.keep_alive);
        };
        if (meta.head) {
            http::response<http::empty_body> res{http::status::ok, meta.version};
            headers(res);
            return send(std::move(res));
        }
        http::response<http::string_body> res{http::status::ok, meta.version, *found.body};
        headers(res);
        send(std::move(res));
    }

    // Hands a question to a callback that may answer from any thread, or
    // never: the first of its answer and the timer (answering `late`) reaches
    // `done` on this session's strand. `failed` is the answer when `ask` throws.
    template <class Answer>
    void await_answer(std::chrono::milliseconds timeout, Answer late,
                      const std::function<void(std::function<void(Answer)>)>& ask,
                      const std::function<Answer(const std::exception&)>& failed,
                      std::function<void(http_session&, Answer)> done) {
        struct pending {
            std::atomic<bool> answered{false};
            asio::steady_timer timer;
            explicit pending(const asio::any_io_executor& ex) : timer(ex) {}
        };
        const auto ex = stream_.get_executor();
        auto p = std::make_shared<pending>(ex);
        std::function<void(Answer)> answer = [self = shared_from_this(), p, ex, done = std::move(done)](Answer a) {
            if (p->answered.exchange(true, std::memory_order_acq_rel)) return;
            asio::post(ex, [self, p, done, a = std::move(a)]() mutable {
                p->timer.cancel();
                done(*self, std::move(a));
            });
        };
        p->timer.expires_after(timeout);
        p->timer.async_wait([answer, late = std::move(late)](beast::error_code ec) {
            if (!ec) answer(late);
        });
        try {
            ask(answer);
        } catch (const std::exception& e) {
            answer(failed(e));
        }
    }

    void check_ready(const request_meta& meta) {
        if (!state_->callbacks.readiness) return send_text(meta, http::status::ok, "ready\n");
        using outcome = std::pair<bool, std::string>;
        await_answer<outcome>(
            cfg().readiness_timeout, {false, "readiness check timed out"},
            [this](std::function<void(outcome)> answer) {
                state_->callbacks.readiness(
                    [answer](bool ready, std::string why) { answer({ready, std::move(why)}); });
            },
            [](const std::exception& e) { return outcome{false, std::string("readiness check failed: ") + e.what()}; },
            [meta](http_session& self, outcome o) {
                if (o.first) return self.send_text(meta, http::status::ok, "ready\n");
                if (o.second.empty()) o.second = "not ready";
                self.send_text(meta, http::status::service_unavailable, o.second + "\n");
            });
    }

    // ---- the API --------------------------------------------------------------------

    static std::string api_error_body(std::string_view code, std::string_view message) {
        // The codes and messages here are ours: plain ASCII with no quote
        // or backslash, so they need no escaping.
        return std::string(R"({"error":{"code":")") + std::string(code) + R"(","message":")" + std::string(message) +
               "\"}}";
    }

    void send_api_error(const request_meta& meta, http::status status, std::string_view code,
                        std::string_view message) {
        send_text(meta, status, api_error_body(code, message), application_json);
    }

    void serve_api(const request_meta& meta, upgrade_request req) {
        if (!state_->callbacks.api) return send_api_error(meta, http::status::not_found, "not_found", "no such path");
        api_request r{std::string(ssv(req.method_string())), std::string(ssv(req.target())),
                      std::string(ssv(req[http::field::authorization])), std::move(req.body())};
        api_response late{503, api_error_body("unavailable", "the server did not answer in time; retry"), {}};
        await_answer<api_response>(
            cfg().api_timeout, std::move(late),
            [this, &r](std::function<void(api_response)> answer) { state_->callbacks.api(std::move(r), answer); },
            [](const std::exception&) {
                return api_response{500, api_error_body("internal", "the request failed"), {}};
            },
            [meta](http_session& self, api_response a) {
                auto res = self.text_response(meta, static_cast<http::status>(a.status), std::move(a.body),
                                              application_json);
                for (const auto& [name, value] : a.headers) res.set(bsv(name), bsv(value));
                self.send(std::move(res));
            });
    }

    void upgrade(upgrade_request req) {
        const auto meta = meta_of(req);
        const std::string_view key = ssv(req[http::field::sec_websocket_key]);
        if (const auto problem = ws_upgrade_problem(key, ssv(req[http::field::sec_websocket_version]))) {
            state_->counters.count(reject_reason::handshake);
            state_->log.debug("ws upgrade from {} refused: {}", remote_of(stream_.socket()), to_string(*problem));
            if (*problem != upgrade_problem::unsupported_version) return send_text(meta, http::status::bad_request, "bad upgrade: bad key\n");
            auto res = text_response(meta, http::status::upgrade_required, "unsupported WebSocket version\n");
            res.set(http::field::sec_websocket_version, "13");
            return send(std::move(res));
        }
        const auto origin_it = req.find(http::field::origin);
        const bool has_origin = origin_it != req.end();
        const std::string origin = has_origin ? std::string(origin_it->value()) : std::string();
        const std::string remote = remote_of(stream_.socket());

        if (!state_->origin_allowed(origin, has_origin)) {
            state_->counters.count(reject_reason::origin);
            state_->log.debug("ws upgrade from {} refused: origin '{}' not allowed", remote, origin);
            return send_text(meta, http::status::forbidden, "origin not allowed\n");
        }
        reject_reason why{};
        auto slot = state_->try_reserve(why);
        if (!slot) {
            state_->counters.count(why);
            state_->log.debug("ws upgrade from {} refused: {}", remote, to_string(why));
            return send_text(meta, http::status::service_unavailable,
                             why == reject_reason::capacity ? "too many connections\n" : "shutting down\n");
        }
        upgrade_info info{state_->next_id(), remote};
        state_->http_release(*this);  // a WebSocket connection now, counted as one
        stream_.expires_never();
        // The socket moves to the connection; this session ends here.
        std::string early = beast::buffers_to_string(buffer_.data());
        accept_websocket(state_, std::move(slot), stream_.release_socket(), ws_switching_response(key), std::move(early),
                         std::move(info), std::string(req.target()), origin);
    }

    std::shared_ptr<server_state> state_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void run_http_session(std::shared_ptr<server_state> state, tcp::socket socket) {
    std::make_shared<http_session>(std::move(state), std::move(socket))->run();
}

}  // namespace chatd::net::detail
