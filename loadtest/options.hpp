#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace chatd::load {

enum class protocol_kind : std::uint8_t { chatd, socketio };

/// A ws:// URL taken apart.
struct ws_url {
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/";  ///< path and query, e.g. /ws or /socket.io/?EIO=4&transport=websocket
    std::string text;          ///< as given
};

/// SIZExCOUNT: `count` rooms of `size` connections each.
struct room_group {
    std::uint32_t size = 0;
    std::uint32_t count = 0;
};

/// Everything a run is told on its command line. Counts are for the whole
/// run: with --process I/N each process opens its share (see room_plan).
struct run_options {
    std::vector<ws_url> urls;
    protocol_kind protocol = protocol_kind::chatd;
    std::uint32_t connections = 100;
    std::vector<std::uint32_t> sources;      ///< IPv4 source addresses, host byte order; empty = the kernel picks
    double ramp = 1000;                      ///< connections per second for the whole run; 0 = all at once
    std::vector<room_group> rooms;           ///< empty = every connection idle
    std::optional<std::uint32_t> senders;    ///< per room; unset = every member sends
    double rate = 1;                         ///< messages per second per sending connection; 0 = none
    std::uint32_t payload = 64;              ///< text bytes per message
    double warmup = 5;                       ///< seconds after the ramp before measuring
    double duration = 30;                    ///< seconds measured
    double drain = 3;                        ///< at most this long after the end for acks and deliveries in flight
    std::uint32_t threads = 2;               ///< io_context threads
    std::string json_path;
    std::string svg_path;
    std::string label;
    std::uint32_t process_index = 0;         ///< 0-based (the command line says 1..N)
    std::uint32_t process_count = 1;
    bool quiet = false;
};

/// `chatd-load merge a.json b.json ... --json out.json --svg out.svg`
struct merge_options {
    std::vector<std::string> inputs;
    std::string json_path;
    std::string svg_path;
    std::string label;  ///< empty: the inputs' label
    bool quiet = false;
};

struct help_request {};

/// A command line that could not be understood: what to tell the user.
struct option_error {
    std::string message;
};

using command = std::variant<run_options, merge_options, help_request, option_error>;

/// Parses argv[1..]. Never throws for bad input: it returns option_error with
/// a message naming the option and what was wrong. Pure.
command parse_command_line(const std::vector<std::string_view>& args);

/// The usage text for --help.
std::string usage();

// The pieces, exposed for tests and for merge.

/// "ws://host:port/path?query" (port defaults to 80; only ws:// is supported).
std::optional<ws_url> parse_ws_url(std::string_view text);
/// "127.0.0.1,127.0.0.2" or "127.0.0.1-127.0.0.16" (ranges and lists mix).
std::optional<std::vector<std::uint32_t>> parse_sources(std::string_view text);
/// "10x100,1000x5".
std::optional<std::vector<room_group>> parse_rooms(std::string_view text);
/// Dotted IPv4 text of a host-order address.
std::string ipv4_text(std::uint32_t address);
std::string_view to_string(protocol_kind p) noexcept;

}  // namespace chatd::load
