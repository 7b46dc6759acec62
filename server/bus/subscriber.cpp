#include "bus/subscriber.hpp"

#include "bus/wire.hpp"

#include <spdlog/spdlog.h>

#include <utility>

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
    // Round again, after whatever came into the mailbox meanwhile.
    if (link_.connected()) self().tell(subscriber_pump{});
    else send_after(opts_.retry, subscriber_pump{});
}

void subscriber::on_reply(const redis_reply& r) {
    if (r.items.size() < 3) return;
    const std::string_view kind = r.items[0];
    const std::string_view room = room_of(r.items[1]);
    auto it = rooms_.find(std::string(room));
    if (it == rooms_.end()) return;  // unwatched meanwhile
    if (kind == "subscribe") {
        it->second.tell(chat::bus_catch_up{std::string(room)});
        return;
    }
    if (kind != "message") return;
    auto e = decode(r.items[2], room);
    if (!e) return;  // not ours
    if (metrics_.received != nullptr) metrics_.received->inc();
    it->second.tell(chat::remote_event{std::string(room), std::move(*e)});
}

}  // namespace chatd::bus
