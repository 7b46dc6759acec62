#include "app/server_config.hpp"

#include "auth/jwks.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <unistd.h>

namespace chatd::app {

namespace {

namespace fs = std::filesystem;

struct option {
    const char* name;
    const char* help;
    std::function<void(server_config&, const std::string&)> set;
};

std::uint64_t to_uint(const std::string& name, const std::string& v) {
    std::uint64_t out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || end != v.data() + v.size())
        throw std::invalid_argument("--" + name + " needs a whole number, got '" + v + "'");
    return out;
}

bool to_bool(const std::string& name, const std::string& v) {
    if (v == "1" || v == "true" || v == "yes") return true;
    if (v == "0" || v == "false" || v == "no") return false;
    throw std::invalid_argument("--" + name + " needs true or false, got '" + v + "'");
}

storage::sync_mode to_sync_mode(const std::string& v) {
    if (v == "full") return storage::sync_mode::full;
    if (v == "normal") return storage::sync_mode::normal;
    throw std::invalid_argument("--sync needs full or normal, got '" + v + "'");
}

std::vector<std::string> split(const std::string& v) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= v.size()) {
        const auto comma = v.find(',', start);
        const auto item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

const std::vector<option>& options() {
    static const std::vector<option> all = {
        {"bind", "address to listen on (default 0.0.0.0)",
         [](server_config& c, const std::string& v) { c.net.address = v; }},
        {"port", "TCP port (default 8080; 0 picks a free one)",
         [](server_config& c, const std::string& v) { c.net.port = static_cast<std::uint16_t>(to_uint("port", v)); }},
        {"db", "SQLite database file (default ./data/chat.db; its folder is created)",
         [](server_config& c, const std::string& v) { c.storage.store.path = v; }},
        {"store", "where lines are stored: a SQLite file (as --db), or postgres://... (cluster mode: PostgreSQL, shared by every node)",
         [](server_config& c, const std::string& v) {
             if (v.rfind("postgres://", 0) == 0 || v.rfind("postgresql://", 0) == 0)
                 c.postgres.conninfo = v;
             else
                 c.storage.store.path = v;
         }},
        {"web-root", "folder of the web client (default: found next to the binary or in the source tree)",
         [](server_config& c, const std::string& v) { c.net.web_root = v; }},
        {"schema-dir", "folder of the SQL migrations (default: found like web-root)",
         [](server_config& c, const std::string& v) { c.storage.store.schema_dir = v; }},
        {"threads", "worker threads for sockets and actors (default: one per core)",
         [](server_config& c, const std::string& v) { c.threads = to_uint("threads", v); }},
        {"max-connections", "open WebSocket connections before upgrades get 503 (default 10000)",
         [](server_config& c, const std::string& v) { c.net.max_connections = to_uint("max-connections", v); }},
        {"max-http-connections", "open plain HTTP connections; over it the oldest idle one is closed, or 503 (default 512)",
         [](server_config& c, const std::string& v) { c.net.max_http_connections = to_uint("max-http-connections", v); }},
        {"max-text-bytes", "longest message text (default 4096)",
         [](server_config& c, const std::string& v) { c.session.limits.max_text_bytes = to_uint("max-text-bytes", v); }},
        {"max-frame-bytes", "largest request frame (default 65536)",
         [](server_config& c, const std::string& v) {
             c.session.limits.max_frame_bytes = to_uint("max-frame-bytes", v);
             c.net.read_message_max = c.session.limits.max_frame_bytes + 4096;
         }},
        {"presence-limit", "users in a room above which it sends no presence and joins list only the joiner (default 1000)",
         [](server_config& c, const std::string& v) { c.rooms.presence_limit = static_cast<std::uint32_t>(to_uint("presence-limit", v)); }},
        {"max-rooms", "rooms one connection may be in (default 50)",
         [](server_config& c, const std::string& v) { c.session.max_rooms = to_uint("max-rooms", v); }},
        {"room-creations", "rooms that are not running one connection may start per minute; more get rate_limited (default 30)",
         [](server_config& c, const std::string& v) { c.session.room_creations_per_minute = static_cast<double>(to_uint("room-creations", v)); }},
        {"room-idle-timeout", "seconds a room with no members stays in memory; 0: forever (default 60)",
         [](server_config& c, const std::string& v) { c.rooms.idle_timeout = std::chrono::seconds(to_uint("room-idle-timeout", v)); }},
        {"replay-limit", "most lines a rejoin with since replays, 1-100; the client pages history for the rest (default 100)",
         [](server_config& c, const std::string& v) {
             const auto n = to_uint("replay-limit", v);
             if (n == 0 || n > 100) throw std::invalid_argument("--replay-limit must be 1 to 100, got " + v);
             c.rooms.replay_limit = static_cast<std::uint32_t>(n);
         }},
        {"rate", "requests per second per connection (default 20)",
         [](server_config& c, const std::string& v) { c.session.rate_per_second = static_cast<double>(to_uint("rate", v)); }},
        {"burst", "request burst per connection (default 40)",
         [](server_config& c, const std::string& v) { c.session.rate_burst = static_cast<double>(to_uint("burst", v)); }},
        {"outbound-budget", "bytes queued to one slow client before it is cut off with 4000 (default 1048576)",
         [](server_config& c, const std::string& v) { c.net.outbound_budget_bytes = to_uint("outbound-budget", v); }},
        {"batch-size", "messages per storage commit at most (default 256)",
         [](server_config& c, const std::string& v) { c.storage.max_batch = to_uint("batch-size", v); }},
        {"sync", "full: an ack survives a power loss (fsync per commit); normal: only a crash of chatd (default full)",
         [](server_config& c, const std::string& v) { c.storage.store.sync = to_sync_mode(v); }},
        {"integrity-check-interval", "seconds between PRAGMA quick_check runs on the database (default 300; 0: only at start)",
         [](server_config& c, const std::string& v) {
             c.storage.integrity_check_interval = std::chrono::seconds(to_uint("integrity-check-interval", v));
         }},
        // Kept so that old command lines still start: a commit no longer waits.
        {"batch-delay-ms", "ignored (storage commits as soon as it is idle; accepted for old command lines)",
         [](server_config&, const std::string&) { spdlog::warn("--batch-delay-ms is ignored: storage commits as soon as it is idle"); }},
        {"allowed-origins", "comma-separated Origins allowed to connect (default: any)",
         [](server_config& c, const std::string& v) { c.net.allowed_origins = split(v); }},
        {"jwt-secret", "HS256 secret for token sign-in; when set, guests are refused unless --allow-guests",
         [](server_config& c, const std::string& v) { c.session.jwt_secret = v; }},
        {"jwks-file", "JSON Web Key Set of RSA and EC P-256 public keys for RS256/ES256 token sign-in, read once at start (not on SIGHUP); guests as with --jwt-secret",
         [](server_config& c, const std::string& v) {
             c.session.jwks = std::make_shared<const auth::jwk_set>(auth::jwk_set::load(v));
         }},
        {"api-key-file", "file of bearer keys for the HTTP API at /api/v1/, one per line (at least 32 bytes each; # comments), read once at start; without it /api/ is 404 (docs/api.md)",
         [](server_config& c, const std::string& v) {
             c.api.keys = std::make_shared<const api_keys>(api_keys::load(v));
         }},
        {"api-rate", "HTTP API requests per second per key (default 20)",
         [](server_config& c, const std::string& v) { c.api.rate_per_second = static_cast<double>(to_uint("api-rate", v)); }},
        {"api-burst", "HTTP API request burst per key (default 100)",
         [](server_config& c, const std::string& v) { c.api.rate_burst = static_cast<double>(to_uint("api-burst", v)); }},
        {"allow-guests", "let clients identify with just a name (default: true without a JWT secret or JWKS file, false with either)",
         [](server_config& c, const std::string& v) { c.allow_guests = to_bool("allow-guests", v); }},
        {"product-requests", "serve private and direct rooms, roles, moderation, edits, reactions and read markers (default true; false: public rooms and lines only, as the first protocol)",
         [](server_config& c, const std::string& v) { c.session.limits.product_requests = to_bool("product-requests", v); }},
        {"bus", "redis://host:port of the Redis that carries rooms' events between chatd nodes sharing one store (default: none, one node)",
         [](server_config& c, const std::string& v) {
             auto a = bus::parse_redis_address(v);
             if (!a) throw std::invalid_argument("--bus: " + a.error().message + ", got '" + v + "'");
             c.bus = bus::bus_options{.address = *a};
         }},
        {"presence-ttl", "with --bus: seconds a node's users stay in the other nodes' rooms after its last heartbeat; it heartbeats three times in it (default 15)",
         [](server_config& c, const std::string& v) {
             const auto s = to_uint("presence-ttl", v);
             if (s == 0 || s > 3600) throw std::invalid_argument("--presence-ttl: 1 to 3600 seconds, got '" + v + "'");
             c.presence_ttl = std::chrono::seconds(s);
         }},
        {"log-level", "trace, debug, info, warn, error or off (default info)",
         [](server_config& c, const std::string& v) { c.log_level = v; }},
    };
    return all;
}

std::string env_name(std::string_view flag) {
    std::string out = "CHATD_";
    for (char ch : flag) out += ch == '-' ? '_' : static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    return out;
}

/// The first of `candidates` that is a directory, else the last one.
fs::path first_dir(std::initializer_list<fs::path> candidates) {
    fs::path last;
    for (const auto& p : candidates) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) return p;
        last = p;
    }
    return last;
}

fs::path exe_dir() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : p.parent_path();
}

}  // namespace

std::string usage() {
    std::string out = "usage: chatd [--flag value | --flag=value]...\n\nEach flag may also be set as CHATD_<FLAG> (e.g. CHATD_PORT=8080); flags win.\n\n";
    for (const auto& o : options()) out += "  --" + std::string(o.name) + "\n      " + o.help + "  [" + env_name(o.name) + "]\n";
    return out;
}

std::optional<server_config> parse_config(int argc, char** argv) {
    server_config c;
    c.net.address = "0.0.0.0";
    c.net.port = 8080;
    c.storage.store.path = "data/chat.db";
    const fs::path exe = exe_dir();
    c.net.web_root = first_dir({exe / "web", exe / "../share/chatd/web", fs::path(CHATD_SOURCE_DIR) / "web"});
    c.storage.store.schema_dir = first_dir({exe / "schema", exe / "../share/chatd/schema", fs::path(CHATD_SOURCE_DIR) / "schema"});

    std::map<std::string, std::string, std::less<>> given;
    for (const auto& o : options())
        if (const char* v = std::getenv(env_name(o.name).c_str())) given[o.name] = v;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage();
            return std::nullopt;
        }
        if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "' (see --help)");
        arg = arg.substr(2);
        std::string value;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            throw std::invalid_argument("--" + arg + " needs a value");
        }
        given[arg] = value;
    }
    for (const auto& [name, value] : given) {
        auto it = std::find_if(options().begin(), options().end(), [&](const option& o) { return name == o.name; });
        if (it == options().end()) throw std::invalid_argument("unknown flag --" + name + " (see --help)");
        it->set(c, value);
    }
    c.session.allow_guests = c.allow_guests.value_or(!c.session.tokens_accepted());
    return c;
}

}  // namespace chatd::app
