// The chatd protocol (docs/protocol.md), the subset a load test needs:
// identify, join, send; identified, joined, message, ack, error.

#include "adapter.hpp"
#include "adapters.hpp"

#include "protocol/json_writer.hpp"

namespace chatd::load {

namespace {

class chatd_adapter final : public adapter {
public:
    std::string target(std::string_view base, std::string_view) const override { return std::string(base); }

    std::string hello(std::string_view user) const override {
        std::string s = R"({"type":"identify","id":1,"name":)";
        protocol::append_json_string(s, user);
        s.push_back('}');
        return s;
    }

    std::string join(std::uint64_t id, std::string_view room) const override {
        std::string s = R"({"type":"join","id":)" + std::to_string(id) + R"(,"room":)";
        protocol::append_json_string(s, room);
        s.push_back('}');
        return s;
    }

    void send(std::string& out, std::uint64_t id, std::string_view room, std::string_view text,
              std::string_view client_id) const override {
        out.assign(R"({"type":"send","id":)");
        out.append(std::to_string(id));
        out.append(R"(,"room":)");
        protocol::append_json_string(out, room);
        out.append(R"(,"text":)");
        protocol::append_json_string(out, text);
        out.append(R"(,"client_id":)");
        protocol::append_json_string(out, client_id);
        out.push_back('}');
    }

    server_frame parse(std::string_view frame, simdjson::dom::parser& parser) const override {
        using kind = server_frame::kind;
        server_frame f;
        simdjson::dom::object obj;
        std::string_view type;
        if (parser.parse(frame.data(), frame.size()).get(obj) != simdjson::SUCCESS ||
            obj["type"].get(type) != simdjson::SUCCESS) {
            f.what = kind::bad;
            f.code = "not_a_chatd_frame";
            return f;
        }
        // An absent or string id reads as 0: the generator's ids are integers.
        auto id = [&] {
            std::uint64_t v = 0;
            read_field(obj, "id", v);
            return v;
        };
        if (type == "message") {
            f.what = kind::message;
            if (obj["seq"].get(f.seq) != simdjson::SUCCESS || obj["text"].get(f.text) != simdjson::SUCCESS) {
                f.what = kind::bad;
                f.code = "message_without_seq_or_text";
            }
            read_field(obj, "room", f.room);
        } else if (type == "event") {
            // Another kind of the room's log (a member event, an edit): it
            // takes a seq of the same stream as the lines, so the tracker
            // sees it; it carries no text of ours.
            f.what = kind::message;
            if (obj["seq"].get(f.seq) != simdjson::SUCCESS) {
                f.what = kind::bad;
                f.code = "event_without_seq";
            }
            read_field(obj, "room", f.room);
        } else if (type == "ack") {
            f.what = kind::ack;
            f.id = id();
            read_field(obj, "seq", f.seq);
        } else if (type == "identified") {
            f.what = kind::ready;
        } else if (type == "joined") {
            f.what = kind::joined;
            f.id = id();
            read_field(obj, "room", f.room);
            read_field(obj, "last_seq", f.last_seq);
        } else if (type == "error") {
            f.what = kind::error;
            f.id = id();
            if (obj["code"].get(f.code) != simdjson::SUCCESS) f.code = "error_without_code";
        }
        return f;
    }
};

}  // namespace

std::unique_ptr<adapter> make_chatd_adapter() { return std::make_unique<chatd_adapter>(); }

}  // namespace chatd::load
