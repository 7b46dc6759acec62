// Socket.IO 4 over its WebSocket transport only (no polling, no upgrade).
// Engine.IO v4 packets are text frames led by a type digit: 0 open, 1 close,
// 2 ping, 3 pong, 4 message, 6 noop. A message carries a Socket.IO packet,
// again led by a digit: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK,
// 4 CONNECT_ERROR; then the ack id's digits, if any; then a JSON array.
// The generator uses the default namespace only.

#include "adapter.hpp"
#include "adapters.hpp"

#include "protocol/json_writer.hpp"

#include <charconv>

namespace chatd::load {

namespace {

using kind = server_frame::kind;

server_frame bad(std::string_view why) {
    server_frame f;
    f.what = kind::bad;
    f.code = why;
    return f;
}

// Reads what a join or send ack carried: [{"room":..,"last_seq":n}] or
// [{"seq":s,"ts":ms}] or an error ([{"error":"code"}] or [{"error":{"code":..}}]).
server_frame parse_ack(std::uint64_t id, std::string_view json, simdjson::dom::parser& parser) {
    simdjson::dom::array args;
    if (parser.parse(json.data(), json.size()).get(args) != simdjson::SUCCESS) return bad("socketio_bad_ack");
    server_frame f;
    f.id = id;
    simdjson::dom::object obj;
    if (args.at(0).get(obj) != simdjson::SUCCESS) return bad("socketio_ack_not_an_object");
    simdjson::dom::element err;
    if (obj["error"].get(err) == simdjson::SUCCESS && !err.is_null()) {
        f.what = kind::error;
        if (err.get(f.code) != simdjson::SUCCESS && err["code"].get(f.code) != simdjson::SUCCESS) f.code = "error";
        return f;
    }
    if (obj["last_seq"].get(f.last_seq) == simdjson::SUCCESS) {
        f.what = kind::joined;
        read_field(obj, "room", f.room);
        return f;
    }
    if (obj["seq"].get(f.seq) == simdjson::SUCCESS) {
        f.what = kind::ack;
        return f;
    }
    return bad("socketio_ack_without_seq");
}

server_frame parse_event(std::string_view json, simdjson::dom::parser& parser) {
    simdjson::dom::array args;
    if (parser.parse(json.data(), json.size()).get(args) != simdjson::SUCCESS) return bad("socketio_bad_event");
    std::string_view name;
    if (args.at(0).get(name) != simdjson::SUCCESS) return bad("socketio_event_without_name");
    server_frame f;
    if (name != "message") return f;  // ignore
    simdjson::dom::object obj;
    if (args.at(1).get(obj) != simdjson::SUCCESS || obj["seq"].get(f.seq) != simdjson::SUCCESS ||
        obj["text"].get(f.text) != simdjson::SUCCESS)
        return bad("socketio_message_without_seq_or_text");
    f.what = kind::message;
    read_field(obj, "room", f.room);
    return f;
}

class socketio_adapter final : public adapter {
public:
    std::string target(std::string_view base, std::string_view user) const override {
        std::string t(base);
        t.push_back(t.find('?') == std::string::npos ? '?' : '&');
        t.append("name=");
        t.append(user);  // u<index>: nothing to escape
        return t;
    }

    std::string hello(std::string_view) const override { return {}; }  // the server sends "0{...}" first

    std::string join(std::uint64_t id, std::string_view room) const override {
        std::string s = "42" + std::to_string(id) + R"(["join",{"room":)";
        protocol::append_json_string(s, room);
        s.append("}]");
        return s;
    }

    void send(std::string& out, std::uint64_t id, std::string_view room, std::string_view text,
              std::string_view client_id) const override {
        out.assign("42");
        out.append(std::to_string(id));
        out.append(R"(["send",{"room":)");
        protocol::append_json_string(out, room);
        out.append(R"(,"text":)");
        protocol::append_json_string(out, text);
        out.append(R"(,"client_id":)");
        protocol::append_json_string(out, client_id);
        out.append("}]");
    }

    server_frame parse(std::string_view frame, simdjson::dom::parser& parser) const override {
        if (frame.empty()) return bad("socketio_empty_frame");
        server_frame f;
        switch (frame.front()) {
            case '0':  // open: {"sid":..,"pingInterval":..}; connect the default namespace
                f.what = kind::reply;
                f.reply = "40";
                return f;
            case '1':
                f.what = kind::closing;
                f.code = "engineio_close";
                return f;
            case '2':  // ping (the server pings in Engine.IO v4)
                f.what = kind::reply;
                f.reply = "3";
                return f;
            case '3':
            case '6':
                return f;
            case '4':
                break;
            default:
                return bad("engineio_unknown_packet");
        }
        if (frame.size() < 2) return bad("socketio_empty_packet");
        const char type = frame[1];
        std::string_view rest = frame.substr(2);
        if (rest.starts_with('/')) return f;  // another namespace: not ours
        std::uint64_t ack_id = 0;
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ack_id);
        const bool has_ack_id = ec == std::errc{};
        rest.remove_prefix(std::size_t(end - rest.data()));
        switch (type) {
            case '0':
                f.what = kind::ready;
                return f;
            case '1':
                f.what = kind::closing;
                f.code = "socketio_disconnect";
                return f;
            case '2':
                return parse_event(rest, parser);
            case '3':
                if (!has_ack_id) return bad("socketio_ack_without_id");
                return parse_ack(ack_id, rest, parser);
            case '4':
                f.what = kind::closing;
                f.code = "socketio_connect_error";
                return f;
            default:
                return bad("socketio_unsupported_packet");
        }
    }
};

}  // namespace

std::unique_ptr<adapter> make_socketio_adapter() { return std::make_unique<socketio_adapter>(); }

}  // namespace chatd::load
