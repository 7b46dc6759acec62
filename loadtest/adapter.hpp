#pragma once

#include "options.hpp"

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace chatd::load {

/// What a frame from the server means to the generator.
struct server_frame {
    enum class kind : std::uint8_t {
        ignore,   ///< nothing to do (presence, typing, pong, unknown types, ...)
        reply,    ///< only `reply` to send back (Engine.IO ping, Socket.IO open)
        ready,    ///< identified (chatd) or namespace connected (Socket.IO): join now
        joined,   ///< the join succeeded: id, room, last_seq
        message,  ///< a chat line: room, seq, text
        ack,      ///< a send was stored: id, seq
        error,    ///< a request failed: id (0 if none), code
        closing,  ///< the server ends the session at protocol level: code
        bad,      ///< not a frame of this protocol: code says why
    };
    kind what = kind::ignore;
    std::uint64_t id = 0;
    std::uint64_t seq = 0;
    std::uint64_t last_seq = 0;
    std::string_view room;  ///< views into the parser: valid until its next parse
    std::string_view text;
    std::string_view code;
    std::string_view reply;  ///< a frame to send back at once (a constant)
};

/// One protocol as the generator speaks it: the frames it sends and what the
/// server's frames mean. Stateless and const: one instance serves every
/// connection on every thread. The parser belongs to the calling thread.
class adapter {
public:
    virtual ~adapter() = default;

    /// The HTTP target of the WebSocket upgrade for this user.
    virtual std::string target(std::string_view base, std::string_view user) const = 0;

    /// The first frame after the upgrade; empty when the server speaks first.
    virtual std::string hello(std::string_view user) const = 0;

    virtual std::string join(std::uint64_t id, std::string_view room) const = 0;

    /// Writes a send request into `out` (replacing it).
    virtual void send(std::string& out, std::uint64_t id, std::string_view room, std::string_view text,
                      std::string_view client_id) const = 0;

    virtual server_frame parse(std::string_view frame, simdjson::dom::parser& parser) const = 0;
};

std::unique_ptr<adapter> make_adapter(protocol_kind kind);

/// Reads an optional field: false (and `out` untouched) when it is absent or
/// of another type.
template <class T>
bool read_field(const simdjson::dom::object& o, std::string_view key, T& out) {
    return o[key].get(out) == simdjson::SUCCESS;
}

}  // namespace chatd::load
