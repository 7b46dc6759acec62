#include "options.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace chatd::load {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
    T v{};
    if (s.empty()) return std::nullopt;
    if constexpr (std::is_unsigned_v<T>)
        if (s.front() == '-' || s.front() == '+') return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<std::uint32_t> parse_ipv4(std::string_view s) {
    const auto parts = split(s, '.');
    if (parts.size() != 4) return std::nullopt;
    std::uint32_t a = 0;
    for (auto p : parts) {
        if (p.empty() || p.size() > 3) return std::nullopt;
        const auto octet = parse_number<std::uint32_t>(p);
        if (!octet || *octet > 255) return std::nullopt;
        a = (a << 8) | *octet;
    }
    return a;
}

}  // namespace

std::string_view to_string(protocol_kind p) noexcept { return p == protocol_kind::chatd ? "chatd" : "socketio"; }

std::string ipv4_text(std::uint32_t a) {
    return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 255) + '.' + std::to_string((a >> 8) & 255) +
           '.' + std::to_string(a & 255);
}

std::optional<ws_url> parse_ws_url(std::string_view text) {
    constexpr std::string_view scheme = "ws://";
    if (!text.starts_with(scheme)) return std::nullopt;
    ws_url u;
    u.text = std::string(text);
    std::string_view rest = text.substr(scheme.size());
    const auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
        u.target = "/";
    } else {
        u.target = std::string(rest.substr(slash));
        if (u.target.front() == '?') u.target.insert(0, "/");
    }
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    if (authority.front() == '[') {  // [::1]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        u.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty()) {
            if (authority.front() != ':') return std::nullopt;
            const auto port = parse_number<std::uint16_t>(authority.substr(1));
            if (!port || *port == 0) return std::nullopt;
            u.port = *port;
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            const auto port = parse_number<std::uint16_t>(authority.substr(colon + 1));
            if (!port || *port == 0) return std::nullopt;
            u.port = *port;
        }
    }
    if (u.host.empty()) return std::nullopt;
    return u;
}

std::optional<std::vector<std::uint32_t>> parse_sources(std::string_view text) {
    std::vector<std::uint32_t> out;
    for (auto item : split(text, ',')) {
        const auto dash = item.find('-');
        const auto first = parse_ipv4(item.substr(0, dash));
        if (!first) return std::nullopt;
        std::uint32_t last = *first;
        if (dash != std::string_view::npos) {
            const auto l = parse_ipv4(item.substr(dash + 1));
            if (!l || *l < *first || *l - *first >= 65536) return std::nullopt;
            last = *l;
        }
        for (std::uint64_t a = *first; a <= last; ++a) out.push_back(std::uint32_t(a));
        if (out.size() > 65536) return std::nullopt;
    }
    return out;
}

std::optional<std::vector<room_group>> parse_rooms(std::string_view text) {
    std::vector<room_group> out;
    for (auto item : split(text, ',')) {
        const auto x = item.find_first_of("xX");
        if (x == std::string_view::npos) return std::nullopt;
        const auto size = parse_number<std::uint32_t>(item.substr(0, x));
        const auto count = parse_number<std::uint32_t>(item.substr(x + 1));
        if (!size || !count || *size == 0 || *count == 0 || *size > 10'000'000 || *count > 10'000'000)
            return std::nullopt;
        out.push_back({*size, *count});
    }
    return out;
}

std::string usage() {
    return R"(chatd-load: a load generator for chatd (and peers that speak its protocol or Socket.IO 4)

usage:
  chatd-load [options]                        run a load test
  chatd-load merge A.json B.json ... [--json OUT.json] [--svg OUT.svg] [--label TEXT]
                                              combine the results of processes that shared a run

options (counts and rates are for the whole run, over all --process shares):
  --url URL[,URL...]     target(s), ws://host:port/path (default ws://127.0.0.1:8080/ws);
                         connection i uses URL i mod count
  --protocol P           chatd (docs/protocol.md; also the Node ws peer) or socketio (Socket.IO 4,
                         WebSocket transport; the URL is the /socket.io/?EIO=4&transport=websocket one)
  --connections N        connections in the run (default 100)
  --sources LIST         source addresses, e.g. 127.0.0.1,127.0.0.2 or 127.0.0.1-127.0.0.16
                         (connection i binds address i mod count; default: the kernel picks)
  --ramp R               connections opened per second (default 1000; 0 = all at once)
  --rooms SxC[,SxC...]   C rooms of S connections each, filled in connection order
                         (e.g. 10x100,1000x5); connections beyond the rooms are idle (default: all idle)
  --senders K            senders per room (the first K members; default: every member)
  --rate M               messages per second per sender, fractions allowed (default 1; 0 = none)
  --payload BYTES        message text size, at least 24 (default 64); it starts with the send time
  --warmup S             seconds after the ramp before measuring (default 5)
  --duration S           seconds measured (default 30)
  --drain S              seconds at most to wait after the end for messages in flight (default 3)
  --threads T            I/O threads (default 2)
  --json FILE            write the results (mergeable) as JSON
  --svg FILE             draw latency percentiles and the delivered rate over time
  --label TEXT           names the run in the summary, JSON and picture
  --process I/N          this process is I of N (1..N) sharing the run: it opens connections
                         i with i mod N = I-1, keeping global indexes, names and rooms
  --quiet                no progress line
  --help                 this text

Exit status: 0 when the run connected at least once, 1 when it connected not at all or a file
could not be written, 2 on bad options.
)";
}

namespace {

struct parser {
    std::map<std::string, std::string, std::less<>> values;  // last one wins, except --url (appended)
    std::vector<std::string> positional;
    std::vector<std::string> urls;
    bool quiet = false;
    bool help = false;
};

// Options that take no value.
bool is_flag(std::string_view name) { return name == "quiet" || name == "help"; }

std::optional<option_error> split_args(const std::vector<std::string_view>& args, std::size_t from, parser& p) {
    for (std::size_t i = from; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (!a.starts_with("--")) {
            p.positional.emplace_back(a);
            continue;
        }
        a.remove_prefix(2);
        std::string name;
        std::string value;
        bool has_value = false;
        if (const auto eq = a.find('='); eq != std::string_view::npos) {
            name = std::string(a.substr(0, eq));
            value = std::string(a.substr(eq + 1));
            has_value = true;
        } else {
            name = std::string(a);
        }
        if (is_flag(name)) {
            if (has_value) return option_error{"--" + name + " takes no value"};
            (name == "quiet" ? p.quiet : p.help) = true;
            continue;
        }
        if (!has_value) {
            if (i + 1 >= args.size()) return option_error{"--" + name + " needs a value"};
            value = std::string(args[++i]);
        }
        if (name == "url") {
            for (auto u : split(value, ',')) p.urls.emplace_back(u);
        } else {
            p.values[name] = value;
        }
    }
    return std::nullopt;
}

// Reads each known option; leaves unknown names in `p.values` for the caller
// to report.
class reader {
public:
    explicit reader(parser& p) : p_(p) {}

    std::optional<std::string> take(std::string_view name) {
        auto it = p_.values.find(name);
        if (it == p_.values.end()) return std::nullopt;
        std::string v = std::move(it->second);
        p_.values.erase(it);
        return v;
    }

    // A number in [lo, hi]; an error message when it is not.
    template <class T>
    void number(std::string_view name, T& out, T lo, T hi, std::string_view what) {
        const auto v = take(name);
        if (!v || error) return;
        const auto n = parse_number<T>(*v);
        if (!n || *n < lo || *n > hi)
            error = "--" + std::string(name) + " must be " + std::string(what) + ", not \"" + *v + "\"";
        else
            out = *n;
    }

    std::optional<std::string> error;

private:
    parser& p_;
};

command parse_run(parser& p) {
    run_options o;
    reader r(p);
    if (!p.positional.empty()) return option_error{"unexpected argument \"" + p.positional.front() + "\" (see --help)"};
    if (p.urls.empty()) p.urls.emplace_back("ws://127.0.0.1:8080/ws");
    for (const auto& text : p.urls) {
        auto u = parse_ws_url(text);
        if (!u) return option_error{"--url: \"" + text + "\" is not a ws://host[:port][/path] URL"};
        o.urls.push_back(std::move(*u));
    }
    if (auto v = r.take("protocol")) {
        if (*v == "chatd") o.protocol = protocol_kind::chatd;
        else if (*v == "socketio") o.protocol = protocol_kind::socketio;
        else return option_error{"--protocol must be chatd or socketio, not \"" + *v + "\""};
    }
    r.number<std::uint32_t>("connections", o.connections, 1, 10'000'000, "a whole number from 1 to 10000000");
    if (auto v = r.take("sources")) {
        auto s = parse_sources(*v);
        if (!s)
            return option_error{"--sources: \"" + *v +
                                "\" is not a list of IPv4 addresses or ranges (127.0.0.1,127.0.0.2 or "
                                "127.0.0.1-127.0.0.16)"};
        o.sources = std::move(*s);
    }
    r.number<double>("ramp", o.ramp, 0, 1e9, "a number of connections per second, 0 or more");
    if (auto v = r.take("rooms")) {
        auto g = parse_rooms(*v);
        if (!g) return option_error{"--rooms: \"" + *v + "\" is not SIZExCOUNT[,SIZExCOUNT...] (e.g. 10x100,1000x5)"};
        o.rooms = std::move(*g);
    }
    std::uint32_t senders = 0;
    if (p.values.contains("senders")) {
        r.number<std::uint32_t>("senders", senders, 0, 10'000'000, "a whole number, 0 or more");
        o.senders = senders;
    }
    r.number<double>("rate", o.rate, 0, 1e6, "messages per second, 0 or more (fractions allowed)");
    r.number<std::uint32_t>("payload", o.payload, 24, 16'000'000, "a number of bytes, at least 24");
    r.number<double>("warmup", o.warmup, 0, 1e7, "seconds, 0 or more");
    r.number<double>("duration", o.duration, 0.001, 1e7, "seconds, more than 0");
    r.number<double>("drain", o.drain, 0, 3600, "seconds from 0 to 3600");
    r.number<std::uint32_t>("threads", o.threads, 1, 256, "a whole number from 1 to 256");
    if (r.error) return option_error{*r.error};
    if (auto v = r.take("json")) o.json_path = *v;
    if (auto v = r.take("svg")) o.svg_path = *v;
    if (auto v = r.take("label")) o.label = *v;
    if (auto v = r.take("process")) {
        const auto slash = v->find('/');
        const auto i = slash == std::string::npos ? std::nullopt : parse_number<std::uint32_t>(v->substr(0, slash));
        const auto n = slash == std::string::npos ? std::nullopt : parse_number<std::uint32_t>(v->substr(slash + 1));
        if (!i || !n || *n == 0 || *i == 0 || *i > *n)
            return option_error{"--process must be I/N with 1 <= I <= N (e.g. 1/2 and 2/2), not \"" + *v + "\""};
        o.process_index = *i - 1;
        o.process_count = *n;
    }
    o.quiet = p.quiet;
    if (!p.values.empty()) return option_error{"unknown option --" + p.values.begin()->first + " (see --help)"};
    return o;
}

command parse_merge(parser& p) {
    merge_options m;
    reader r(p);
    if (!p.urls.empty()) return option_error{"merge takes no --url"};
    m.inputs = p.positional;
    if (m.inputs.empty()) return option_error{"merge needs at least one results file (chatd-load merge a.json b.json ...)"};
    if (auto v = r.take("json")) m.json_path = *v;
    if (auto v = r.take("svg")) m.svg_path = *v;
    if (auto v = r.take("label")) m.label = *v;
    m.quiet = p.quiet;
    if (!p.values.empty()) return option_error{"merge: unknown option --" + p.values.begin()->first + " (see --help)"};
    return m;
}

}  // namespace

command parse_command_line(const std::vector<std::string_view>& args) {
    parser p;
    const bool merge = !args.empty() && args.front() == "merge";
    if (auto e = split_args(args, merge ? 1 : 0, p)) return *e;
    if (p.help) return help_request{};
    return merge ? parse_merge(p) : parse_run(p);
}

}  // namespace chatd::load
