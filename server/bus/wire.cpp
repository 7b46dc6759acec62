#include "bus/wire.hpp"

#include <charconv>
#include <memory>

namespace chatd::bus {

namespace {

constexpr std::string_view channel_prefix = "chatd:room:";

void put_num(std::string& out, std::int64_t v) {
    out += std::to_string(v);
    out += ' ';
}
void put_str(std::string& out, std::string_view s) {
    put_num(out, static_cast<std::int64_t>(s.size()));
    out += s;
}

/// Reads what put_num and put_str wrote, from the front of `in`.
struct reader {
    std::string_view in;
    bool ok = true;

    std::int64_t num() {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(in.data(), in.data() + in.size(), v);
        if (ec != std::errc{} || end == in.data() + in.size() || *end != ' ') {
            ok = false;
            return 0;
        }
        in.remove_prefix(static_cast<std::size_t>(end - in.data()) + 1);
        return v;
    }
    std::string str() {
        const auto n = num();
        if (!ok || n < 0 || static_cast<std::size_t>(n) > in.size()) {
            ok = false;
            return {};
        }
        std::string s(in.substr(0, static_cast<std::size_t>(n)));
        in.remove_prefix(static_cast<std::size_t>(n));
        return s;
    }
};

}  // namespace

std::string channel_of(std::string_view room) {
    std::string c(channel_prefix);
    c += room;
    return c;
}

std::string_view room_of(std::string_view channel) {
    return channel.starts_with(channel_prefix) ? channel.substr(channel_prefix.size()) : std::string_view{};
}

// "E <seq> 0 <frame>" or "E <seq> 1 <kind> <action> <role> <until> <ts> <sender> <client_id> <subject> <text> <frame>",
// numbers in decimal and strings as "<length> <bytes>".
std::string encode_event(const chat::cluster_event& e) {
    std::string out = "E ";
    put_num(out, static_cast<std::int64_t>(e.seq));
    if (const auto* r = e.effects.get()) {
        out += "1 ";
        put_num(out, static_cast<std::int64_t>(r->kind));
        put_num(out, static_cast<std::int64_t>(r->action));
        put_num(out, static_cast<std::int64_t>(r->role));
        put_num(out, r->until_ms);
        put_num(out, r->ts_ms);
        put_str(out, r->sender);
        put_str(out, r->client_id);
        put_str(out, r->subject);
        put_str(out, r->text);
    } else {
        out += "0 ";
    }
    if (e.data) out += *e.data;
    return out;
}

std::string encode_tick(std::uint64_t seq) {
    std::string out = "T ";
    put_num(out, static_cast<std::int64_t>(seq));
    return out;
}

std::optional<chat::cluster_event> decode(std::string_view payload, std::string_view room) {
    if (payload.size() < 2 || payload[1] != ' ' || (payload[0] != 'E' && payload[0] != 'T')) return std::nullopt;
    const bool tick = payload[0] == 'T';
    reader r{payload.substr(2)};
    const auto seq = r.num();
    if (!r.ok || seq <= 0) return std::nullopt;
    chat::cluster_event e{static_cast<std::uint64_t>(seq), {}, {}};
    if (tick) return r.in.empty() ? std::optional(e) : std::nullopt;
    const auto with_effects = r.num();
    if (!r.ok || (with_effects != 0 && with_effects != 1)) return std::nullopt;
    if (with_effects == 1) {
        storage::new_message m;
        m.room = std::string(room);
        const auto kind = r.num(), action = r.num(), role = r.num();
        m.until_ms = r.num();
        m.ts_ms = r.num();
        m.sender = r.str();
        m.client_id = r.str();
        m.subject = r.str();
        m.text = r.str();
        if (!r.ok || kind < 0 || kind > static_cast<std::int64_t>(storage::event_kind::topic) || action < 0 ||
            action > static_cast<std::int64_t>(storage::member_action::role) || role < 0 ||
            role > static_cast<std::int64_t>(storage::member_role::member))
            return std::nullopt;
        m.kind = static_cast<storage::event_kind>(kind);
        m.action = static_cast<storage::member_action>(action);
        m.role = static_cast<storage::member_role>(role);
        e.effects = std::make_shared<const storage::new_message>(std::move(m));
    }
    if (r.in.empty()) return std::nullopt;  // an event without its frame
    e.data = std::make_shared<const std::string>(r.in);
    return e;
}

// ---- presence ---------------------------------------------------------------------
// "P <here 0|1> <node> <user>", "H <ttl_ms> <node>", "G <node>", and the
// script's "S <node> <n> <live node>... <m> <node user>...", numbers and
// strings as above.

std::string_view nodes_channel() { return "chatd:nodes"; }

std::string encode_presence(std::string_view node, std::string_view user, bool here) {
    std::string out = "P ";
    put_num(out, here ? 1 : 0);
    put_str(out, node);
    put_str(out, user);
    return out;
}

std::string encode_heartbeat(std::string_view node, std::int64_t ttl_ms) {
    std::string out = "H ";
    put_num(out, ttl_ms);
    put_str(out, node);
    return out;
}

std::string encode_gone(std::string_view node) {
    std::string out = "G ";
    put_str(out, node);
    return out;
}

std::optional<presence_message> decode_presence(std::string_view payload) {
    if (payload.size() < 2 || payload[1] != ' ') return std::nullopt;
    reader r{payload.substr(2)};
    presence_message m{};
    switch (payload[0]) {
        case 'P': {
            const auto here = r.num();
            m.what = here == 1 ? presence_message::kind::here : presence_message::kind::left;
            m.node = r.str();
            m.user = r.str();
            if (here != 0 && here != 1) r.ok = false;
            break;
        }
        case 'H':
            m.what = presence_message::kind::heartbeat;
            m.ttl_ms = r.num();
            m.node = r.str();
            if (m.ttl_ms <= 0) r.ok = false;
            break;
        case 'G':
            m.what = presence_message::kind::gone;
            m.node = r.str();
            break;
        case 'S': {
            m.what = presence_message::kind::snapshot;
            m.node = r.str();
            auto n = r.num();
            for (std::int64_t i = 0; r.ok && i < n; ++i) m.live_nodes.push_back(r.str());
            n = r.num();
            for (std::int64_t i = 0; r.ok && i < n; ++i) {
                std::string e = r.str();
                const auto space = e.find(' ');
                if (space == std::string::npos) {
                    r.ok = false;
                    break;
                }
                m.entries.emplace_back(e.substr(0, space), e.substr(space + 1));
            }
            break;
        }
        default: return std::nullopt;
    }
    if (!r.ok || !r.in.empty() || m.node.empty()) return std::nullopt;
    return m;
}

}  // namespace chatd::bus
