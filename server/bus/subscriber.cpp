#include "bus/subscriber.hpp"

#include "bus/wire.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>
#include <vector>

namespace chatd::bus {

subscriber::subscriber(bus_options opts, bus_metrics metrics)
    : opts_(std::move(opts)), metrics_(metrics), link_(opts_.address, opts_.timeout) {}

void subscriber::on_start() {
    connect();
    self().tell(subscriber_pump{});
}

void subscriber::connect() {
    if (!link_.connect()) {
        if (!warned_) spdlog::warn("bus: cannot subscribe at {} ({}); retrying", opts_.address.to_string(), link_.error());
        warned_ = true;
        return;
    }
    if (was_up_) {
        spdlog::info("bus: subscribed at {} again; {} rooms catch up from the store", opts_.address.to_string(),
                     rooms_.size());
        if (metrics_.reconnects != nullptr) metrics_.reconnects->inc();
    }
    was_up_ = true;
    warned_ = false;
    // Nothing was heard while away: every node has a full TTL from now.
    for (auto& [id, n] : nodes_)
        if (!n.gone) n.deadline = now() + n.ttl;
    link_.append({"SUBSCRIBE", nodes_channel()});
    // Every room again: each confirmation tells its room to catch up.
    for (const auto& [room, to] : rooms_) link_.append({"SUBSCRIBE", channel_of(room)});
    if (!link_.flush()) lost();
}

void subscriber::lost() {
    if (!warned_) spdlog::warn("bus: lost Redis ({}); rooms here deliver other nodes' events once it is back",
                               link_.error());
    warned_ = true;
    link_.close();
}

void subscriber::handle(const chat::bus_watch& m) {
    rooms_.insert_or_assign(m.room, m.to);
    if (!link_.connected()) return;  // subscribed on the next connect
    link_.append({"SUBSCRIBE", channel_of(m.room)});
    if (!link_.flush()) lost();
}

void subscriber::handle(const chat::bus_unwatch& m) {
    auto it = rooms_.find(m.room);
    if (it == rooms_.end() || it->second.id() != m.room_id) return;  // a later room of the name watches it
    rooms_.erase(it);
    if (!link_.connected()) return;
    link_.append({"UNSUBSCRIBE", channel_of(m.room)});
    if (!link_.flush()) lost();
}

void subscriber::handle(const subscriber_pump&) {
    if (!link_.connected()) {
        connect();
        if (!link_.connected()) {
            send_after(opts_.retry, subscriber_pump{});
            return;
        }
    }
    if (!link_.read_available(opts_.poll, [this](redis_reply& r) { on_reply(r); })) lost();
    if (link_.connected()) check_nodes();
    // Round again, after whatever came into the mailbox meanwhile.
    if (link_.connected()) self().tell(subscriber_pump{});
    else send_after(opts_.retry, subscriber_pump{});
}

void subscriber::on_reply(const redis_reply& r) {
    if (r.items.size() < 3) return;
    const std::string_view kind = r.items[0];
    if (r.items[1] == nodes_channel()) {
        if (kind == "message") on_node_message(r.items[2]);
        return;
    }
    const std::string_view room = room_of(r.items[1]);
    auto it = rooms_.find(std::string(room));
    if (it == rooms_.end()) return;  // unwatched meanwhile
    if (kind == "subscribe") {
        it->second.tell(chat::bus_catch_up{std::string(room)});
        return;
    }
    if (kind != "message") return;
    const std::string_view payload = r.items[2];
    if (payload.starts_with("P ") || payload.starts_with("S ")) return on_room_presence(it->second, room, payload);
    auto e = decode(payload, room);
    if (!e) return;  // not ours
    if (metrics_.received != nullptr) metrics_.received->inc();
    it->second.tell(chat::remote_event{std::string(room), std::move(*e)});
}

// ---- presence ---------------------------------------------------------------------

bool subscriber::own(std::string_view node) const {
    return node.size() > opts_.node_id.size() && node.starts_with(opts_.node_id) && node[opts_.node_id.size()] == '.';
}

// A node said something: alive, and known from now on (with this node's
// TTL until its heartbeat says its own). False: it is gone (or there is no
// room to track it), so what it says is not passed on.
bool subscriber::heard(const std::string& node) {
    auto it = nodes_.find(node);
    if (it != nodes_.end()) return !it->second.gone;
    if (nodes_.size() >= opts_.max_nodes) return false;
    nodes_.emplace(node, node_state{now() + opts_.presence_ttl, opts_.presence_ttl, false});
    return true;
}

void subscriber::on_node_message(std::string_view payload) {
    auto m = decode_presence(payload);
    if (!m || own(m->node)) return;
    spdlog::debug("bus: node {} says {}", m->node, static_cast<char>(m->what));
    if (m->what == presence_message::kind::gone) return node_gone(m->node);
    if (m->what != presence_message::kind::heartbeat) return;
    const act::duration ttl = std::chrono::milliseconds(m->ttl_ms);
    replaced_by(m->node);
    auto it = nodes_.find(m->node);
    if (it == nodes_.end()) {
        if (nodes_.size() < opts_.max_nodes) nodes_.emplace(m->node, node_state{now() + ttl, ttl, false});
        return;
    }
    const bool was_gone = it->second.gone;
    it->second = node_state{now() + ttl, ttl, false};
    if (!was_gone) return;
    // Taken for gone, yet alive (it was silent too long): every room here
    // reads again who is in it.
    spdlog::info("bus: node {} is heard again", m->node);
    for (const auto& [room, to] : rooms_) to.tell(chat::bus_catch_up{room});
}

void subscriber::on_room_presence(const chat::room_bus_ref& to, std::string_view room, std::string_view payload) {
    auto m = decode_presence(payload);
    if (!m) return;
    spdlog::debug("bus: presence in {}: {} of {}", room, static_cast<char>(m->what), m->node);
    if (m->what == presence_message::kind::snapshot) {
        if (!own(m->node)) return;  // another node's read
        chat::presence_snapshot s{std::string(room), {}, {}};
        for (auto& n : m->live_nodes)
            if (!own(n) && heard(n)) s.live_nodes.push_back(std::move(n));
        for (auto& [node, user] : m->entries)
            if (!own(node)) s.entries.emplace_back(std::move(node), std::move(user));
        to.tell(std::move(s));
        return;
    }
    if (own(m->node) || !heard(m->node)) return;
    to.tell(chat::remote_presence{std::string(room), std::move(m->node), std::move(m->user),
                                  m->what == presence_message::kind::here});
}

// A node's id is "<node>.<link>": a heartbeat of a later link of the same
// node means the earlier ones are gone (its "gone" for them may have been
// missed, as when this node subscribed again after it was said).
void subscriber::replaced_by(const std::string& node) {
    const auto dot = node.rfind('.');
    if (dot == std::string::npos) return;
    const std::string_view base = std::string_view(node).substr(0, dot + 1);
    const std::string_view link = std::string_view(node).substr(dot + 1);
    std::vector<std::string> earlier;
    for (const auto& [id, n] : nodes_) {
        if (n.gone || id.size() <= base.size() || !id.starts_with(base)) continue;
        const std::string_view other = std::string_view(id).substr(base.size());
        // Decimal without leading zeros: shorter is smaller.
        if (other.size() < link.size() || (other.size() == link.size() && other < link)) earlier.push_back(id);
    }
    for (const auto& id : earlier) node_gone(id);
}

// Every node not heard of for its TTL is gone; gone ones are forgotten
// after another TTL (a late word from one would find it unknown).
void subscriber::check_nodes() {
    const act::time_point t = now();
    std::vector<std::string> silent;
    for (auto it = nodes_.begin(); it != nodes_.end();) {
        if (it->second.deadline > t) {
            ++it;
        } else if (it->second.gone) {
            it = nodes_.erase(it);
        } else {
            silent.push_back(it->first);
            ++it;
        }
    }
    for (const auto& n : silent) {
        spdlog::info("bus: node {} was not heard of for its TTL; its users leave", n);
        node_gone(n);
    }
}

void subscriber::node_gone(const std::string& node) {
    auto it = nodes_.find(node);
    if (it != nodes_.end() && it->second.gone) return;
    const act::duration ttl = it != nodes_.end() ? it->second.ttl : act::duration(opts_.presence_ttl);
    if (it != nodes_.end()) it->second = node_state{now() + ttl, ttl, true};
    else if (nodes_.size() < opts_.max_nodes) nodes_.emplace(node, node_state{now() + ttl, ttl, true});
    if (metrics_.nodes_gone != nullptr) metrics_.nodes_gone->inc();
    for (const auto& [room, to] : rooms_) to.tell(chat::presence_node_gone{node});
}

}  // namespace chatd::bus
