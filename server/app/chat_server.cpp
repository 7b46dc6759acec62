#include "app/chat_server.hpp"

// <utility> first: Boost 1.74's Asio needs it (see docs/architecture.md).
#include <utility>

#include "act/system.hpp"
#include "act/thread_pool.hpp"
#include "app/api_service.hpp"
#include "app/session_adapter.hpp"
#include "bus/presence_store.hpp"
#include "bus/publisher.hpp"
#include "bus/subscriber.hpp"
#include "chat/chat_metrics.hpp"
#include "chat/lobby.hpp"
#include "metrics/registry.hpp"
#include "net/asio_executor.hpp"
#include "net/listener.hpp"
#include "net/ws_connection.hpp"
#include "session/client_session.hpp"
#include "storage/startup_error.hpp"
#include "storage/writer.hpp"
#include "store_pg/pg_writer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace chatd::app {

namespace {
using namespace std::chrono_literals;

/// Answers /readyz from the storage writer's check, without blocking an io thread.
class readiness_probe final : public act::ask_state<bool> {
public:
    explicit readiness_probe(net::readiness_answer answer) : answer_(std::move(answer)) {}

private:
    void deliver(act::result<bool> r) override {
        if (!r)
            answer_(false, "storage did not answer: " + std::string(act::to_string(r.error())));
        else
            answer_(*r, *r ? "" : "storage is not ready (see the log)");
    }
    net::readiness_answer answer_;
};
}  // namespace

struct chat_server::parts {
    server_config cfg;
    chat::chat_metrics chat_counters;
    // Before io: handlers it still holds when destroyed let go of these.
    // Identified sessions by user: read markers, rooms added and removed, the API's disconnect.
    session::user_directory user_sessions;
    std::unique_ptr<api_service> api;  // null without API keys
    boost::asio::io_context io;
    net::asio_executor exec{io};
    act::dedicated_thread storage_thread{"storage", act::thread_priority::batch};  // leaves the io threads their core
    act::dedicated_thread checkpoint_thread{"checkpoint", act::thread_priority::batch};
    // The cluster bus's, with --bus: each blocks in Redis calls.
    std::unique_ptr<act::dedicated_thread> bus_publish_thread, bus_subscribe_thread;
    metrics::registry registry;
    std::unique_ptr<act::system> sys;
    storage::store_ref storage;  // SQLite's writer, or PostgreSQL's (--store postgres://...)
    chat::lobby::ref_type lobby;
    act::supervisor_ref sessions;
    std::unique_ptr<net::listener> listener;
    std::unique_ptr<net::io_threads> threads;
    bool stopped = false;
};

chat_server::chat_server(server_config cfg) : p_(std::make_unique<parts>()) {
    parts& p = *p_;
    p.cfg = std::move(cfg);
    p.sys = std::make_unique<act::system>(act::system_config{.exec = &p.exec});
    // Actor turns run on the io threads: start them first, so a failure
    // below can still shut the actors down in order.
    const std::size_t n = p.cfg.threads != 0 ? p.cfg.threads : std::max(1u, std::thread::hardware_concurrency());
    p.cfg.net.one_io_thread = n == 1;
    p.threads = std::make_unique<net::io_threads>(p.io, n, "io");
    try {
        start();
    } catch (...) {
        p.sys->shutdown(10s);
        p.threads->stop();
        p.stopped = true;
        throw;
    }
}

void chat_server::start() {
    parts& p = *p_;
    auto& sys = *p.sys;

    // Start order: storage, lobby (and its rooms), sessions, listener.
    auto storage_sup = sys.spawn_supervisor({.label = "storage_supervisor"}, {.max_restarts = 5, .within = 10s});
    auto& stored_total = p.registry.add_counter("chatd_messages_stored_total", "Chat lines committed to the store");
    auto& batch_sizes = p.registry.add_histogram("chatd_storage_batch_size", "Lines per storage commit",
                                                  {1, 2, 4, 8, 16, 32, 64, 128, 256, 512});
    auto& commit_seconds = p.registry.add_histogram("chatd_storage_commit_seconds", "Time to commit one batch",
                                                     {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
    // chatd does not run without its store: the first open's outcome
    // decides whether start() goes on or throws (main then exits 3).
    auto opened = std::make_shared<std::promise<std::optional<storage::error>>>();
    auto on_open = [opened, told = std::make_shared<std::atomic<bool>>(false)](const storage::error* why) {
        if (told->exchange(true)) return;  // a restart of the writer, later
        opened->set_value(why ? std::optional<storage::error>(*why) : std::nullopt);
    };
    auto on_commit = [&](std::size_t n, std::chrono::nanoseconds took) {
        stored_total.inc(n);
        batch_sizes.observe(static_cast<double>(n));
        commit_seconds.observe(std::chrono::duration<double>(took).count());
    };
    if (!p.cfg.postgres.conninfo.empty()) {
        // Cluster mode: PostgreSQL is the store; its migrations sit beside SQLite's.
        p.cfg.postgres.schema_dir = p.cfg.storage.store.schema_dir / "postgres";
        p.cfg.postgres.max_batch = p.cfg.storage.max_batch;
        p.storage = sys.spawn<store_pg::pg_writer>(
            {.exec = &p.storage_thread, .parent = storage_sup, .name = "storage", .label = "storage"}, p.cfg.postgres,
            store_pg::pg_writer_hooks{on_commit, {}, on_open});
    } else {
        storage::writer_hooks hooks;
        hooks.on_commit = on_commit;
        auto& backstops = p.registry.add_counter(
            "chatd_storage_backstop_checkpoints_total",
            "WAL checkpoints a commit ran itself (and waited for) because the checkpointer fell behind");
        hooks.on_backstop_checkpoint = [&backstops] { backstops.inc(); };
        // The checkpointer first: it stops after the writer, and closes the database last.
        auto& checkpoint_seconds =
            p.registry.add_histogram("chatd_storage_checkpoint_seconds", "Time to copy the WAL into the database file",
                                     {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5});
        storage::checkpointer_options copts{p.cfg.storage.store.path, p.cfg.storage.store.busy_timeout,
                                            p.cfg.storage.store.sync,
                                            [&](const storage::checkpoint_done&, std::chrono::nanoseconds took) {
                                                checkpoint_seconds.observe(std::chrono::duration<double>(took).count());
                                            }};
        hooks.checkpointer = sys.spawn<storage::checkpointer>(
            {.exec = &p.checkpoint_thread, .parent = storage_sup, .name = "checkpointer", .label = "storage"},
            std::move(copts));
        hooks.on_open = on_open;
        p.storage = sys.spawn<storage::writer>(
            {.exec = &p.storage_thread, .parent = storage_sup, .name = "storage", .label = "storage"}, p.cfg.storage,
            std::move(hooks));
    }
    if (auto why = opened->get_future().get()) throw storage::startup_error(std::move(*why));

    p.chat_counters = chat::chat_metrics::registered_in(p.registry);
    const chat::chat_metrics& m = p.chat_counters;
    // A replay, and the live lines held back during it, each in a quarter of
    // the budget: a rejoin is never cut off for what the room sent it.
    p.cfg.rooms.replay_max_bytes = p.cfg.net.outbound_budget_bytes / 4;
    // The room model goes with the requests that use it.
    p.cfg.rooms.membership_events = p.cfg.session.limits.product_requests;
    chat::cluster_link bus;
    if (p.cfg.bus) bus = start_bus();
    auto rooms_sup = sys.spawn_supervisor({.label = "rooms_supervisor"}, {.max_restarts = 20, .within = 10s});
    p.lobby = sys.spawn<chat::lobby>({.name = "lobby", .label = "lobby"}, rooms_sup,
                                     chat::room::storage_ref(p.storage), p.cfg.rooms, &m, bus, &p.user_sessions);
    p.sessions = sys.spawn_supervisor({.label = "sessions_supervisor"}, {});

    // A history reply may take a quarter of the outbound budget, so that
    // reading one never gets its reader closed with 4000.
    p.cfg.session.max_history_reply_bytes = p.cfg.net.outbound_budget_bytes / 4;
    auto sctx = std::make_shared<const session::session_context>(
        p.cfg.session, act::ref<chat::open_room>(p.lobby), session::session_context::storage_ref(p.storage), &m,
        nullptr, &p.user_sessions);

    net::listener_callbacks cb;
    if (p.cfg.api.keys) {
        api_context actx{p.cfg.api, p.cfg.session.limits, p.cfg.session.max_history_reply_bytes,
                         p.cfg.session.ask_timeout, act::ref<chat::open_room>(p.lobby),
                         decltype(api_context::storage)(p.storage), &p.registry,
                         [&io = p.io](std::function<void()> fn) { boost::asio::post(io, std::move(fn)); },
                         &p.user_sessions};
        p.api = std::make_unique<api_service>(std::move(actx));
        cb.api = [api = p.api.get()](net::api_request req, net::api_answer answer) {
            api->handle(std::move(req), std::move(answer));
        };
    }
    cb.make_session = [&sys, sessions = p.sessions, sctx = std::move(sctx)](
                          std::shared_ptr<net::ws_connection> conn, const net::request_facts&)
        -> std::shared_ptr<net::connection_handler> {
        spdlog::info("connection {} opened from {}", conn->info().id, conn->info().remote);
        auto s = sys.spawn<session::client_session>(
            {.parent = sessions, .kind = act::child_kind::temporary, .label = "session",
             .mailbox = act::mailbox_options{.capacity = 256}},
            conn, sctx);
        return std::make_shared<session_adapter>(s, conn);
    };
    cb.readiness = [storage = p.storage](net::readiness_answer answer) {
        storage.send_request(std::shared_ptr<act::ask_state<bool>>(std::make_shared<readiness_probe>(std::move(answer))),
                             storage::check_ready{}, 2s);
    };
    cb.render_metrics = [&p] { return p.registry.render(); };
    p.registry.add_counter_fn("chatd_user_pushes_dropped_total",
                              "room_added and removed pushes dropped for a user over its push budget",
                              [&p] { return static_cast<double>(p.user_sessions.dropped()); });
    p.registry.add_counter_fn("chatd_dead_letters_total", "Messages sent to stopped actors",
                              [&sys] { return static_cast<double>(sys.dead_letters()); });
    p.registry.add_gauge_fn("chatd_actor_restarts", "Restarts of live actors", [&sys] {
        double n = 0;
        for (const auto& a : sys.snapshot().actors) n += a.restarts;
        return n;
    });
    for (const char* kind : {"session", "room", "storage", "lobby"})
        p.registry.add_gauge_fn("chatd_mailbox_depth_max", "Deepest mailbox among actors of a kind",
                                [&sys, kind] {
                                    std::size_t deepest = 0;
                                    for (const auto& a : sys.snapshot().actors)
                                        if (std::string_view(a.label) == kind) deepest = std::max(deepest, a.mailbox_depth);
                                    return static_cast<double>(deepest);
                                },
                                {{"kind", kind}});

    p.listener = std::make_unique<net::listener>(p.io, p.cfg.net, std::move(cb));
    p.listener->register_metrics(p.registry);
    p.listener->start();
    spdlog::info("chatd listening on http://{}:{}/ (database {}, web root {})", p.cfg.net.address, port(),
                 p.cfg.postgres.conninfo.empty() ? p.cfg.storage.store.path.string() : "PostgreSQL",
                 p.cfg.net.web_root.string());
}

// The cluster bus (--bus): after storage, before the rooms that use it. It
// starts even while Redis is away (sends work; other nodes' events come
// once it is back), so a node never waits for Redis to start.
chat::cluster_link chat_server::start_bus() {
    parts& p = *p_;
    bus::bus_metrics bm{
        &p.registry.add_counter("chatd_bus_published_total", "Committed events published to the other nodes"),
        &p.registry.add_counter("chatd_bus_publish_failures_total",
                                "Events not published because Redis was away (the other nodes read them from the store)"),
        &p.registry.add_counter("chatd_bus_received_total", "Events heard from the bus and passed to a room here"),
        &p.registry.add_counter("chatd_bus_reconnects_total", "Links to Redis made again after a loss"),
        &p.registry.add_counter("chatd_bus_nodes_gone_total",
                                "Other nodes whose users left every room here (a clean stop, or no heartbeat for their TTL)")};
    // A new node every start: what an earlier run left in Redis is not ours.
    p.cfg.bus->node_id = bus::make_node_id();
    if (p.cfg.presence_ttl) p.cfg.bus->presence_ttl = *p.cfg.presence_ttl;
    p.bus_publish_thread = std::make_unique<act::dedicated_thread>("bus-publish");
    p.bus_subscribe_thread = std::make_unique<act::dedicated_thread>("bus-subscribe");
    auto sup = p.sys->spawn_supervisor({.label = "bus_supervisor"}, {.max_restarts = 5, .within = 10s});
    chat::cluster_link link;
    link.publisher = p.sys->spawn<bus::publisher>(
        {.exec = p.bus_publish_thread.get(), .parent = sup, .name = "bus_publisher", .label = "bus"}, *p.cfg.bus, bm);
    link.subscriber = p.sys->spawn<bus::subscriber>(
        {.exec = p.bus_subscribe_thread.get(), .parent = sup, .name = "bus_subscriber", .label = "bus"}, *p.cfg.bus,
        bm);
    spdlog::info("cluster bus at {}, node {}", p.cfg.bus->address.to_string(), p.cfg.bus->node_id);
    return link;
}

chat_server::~chat_server() { stop(); }

void chat_server::inject_room_failure(const std::string& room) {
    if (auto r = p_->sys->lookup<chat::room_ref>(chat::lobby::registry_name(room))) r->tell(chat::crash_room{});
}

std::uint16_t chat_server::port() const noexcept { return p_->listener ? p_->listener->port() : 0; }

void chat_server::stop() {
    parts& p = *p_;
    if (p.stopped) return;
    p.stopped = true;
    spdlog::info("chatd stopping");
    p.listener->stop_accepting();
    // Every connection gets 1001 after the frames already queued for it.
    std::promise<void> closed;
    p.listener->when_all_closed([&closed] { closed.set_value(); });
    p.listener->close_all(net::close_code::going_away, "going away");
    if (closed.get_future().wait_for(15s) != std::future_status::ready)
        spdlog::warn("some connections did not close in time");
    // Sessions, then rooms and the lobby, then storage (its last batch is
    // committed in its on_stop): the reverse of the start order.
    if (!p.sys->shutdown(30s)) spdlog::error("some actors did not stop in time");
    p.threads->stop();
    spdlog::info("chatd stopped");
}

}  // namespace chatd::app
