// The command line: what the matrix script passes, and clear errors for
// what it must not.

#include "options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace l = chatd::load;

namespace {

l::command parse(std::vector<std::string_view> args) { return l::parse_command_line(args); }

l::run_options run(std::vector<std::string_view> args) {
    auto c = parse(std::move(args));
    if (auto* e = std::get_if<l::option_error>(&c)) ADD_FAILURE() << "refused: " << e->message;
    auto* o = std::get_if<l::run_options>(&c);
    return o ? *o : l::run_options{};
}

// The error message for a command line that must be refused.
std::string error(std::vector<std::string_view> args) {
    auto c = parse(std::move(args));
    auto* e = std::get_if<l::option_error>(&c);
    if (e == nullptr) {
        ADD_FAILURE() << "accepted";
        return {};
    }
    return e->message;
}

}  // namespace

TEST(options, the_matrix_command_line) {
    const auto o = run({"--url", "ws://127.0.0.1:8080/ws", "--protocol", "socketio", "--connections", "2000",
                        "--sources", "127.0.0.1-127.0.0.4", "--ramp", "500", "--rooms", "10x100,1000x1",
                        "--senders", "3", "--rate", "0.1", "--payload", "100", "--warmup", "5", "--duration", "30",
                        "--threads", "1", "--json", "out.json", "--svg", "out.svg", "--label", "W3 chatd step-01",
                        "--process", "2/3", "--quiet"});
    ASSERT_EQ(o.urls.size(), 1u);
    EXPECT_EQ(o.urls[0].host, "127.0.0.1");
    EXPECT_EQ(o.urls[0].port, 8080);
    EXPECT_EQ(o.urls[0].target, "/ws");
    EXPECT_EQ(o.protocol, l::protocol_kind::socketio);
    EXPECT_EQ(o.connections, 2000u);
    ASSERT_EQ(o.sources.size(), 4u);
    EXPECT_EQ(l::ipv4_text(o.sources[0]), "127.0.0.1");
    EXPECT_EQ(l::ipv4_text(o.sources[3]), "127.0.0.4");
    EXPECT_EQ(o.ramp, 500.0);
    ASSERT_EQ(o.rooms.size(), 2u);
    EXPECT_EQ(o.rooms[0].size, 10u);
    EXPECT_EQ(o.rooms[0].count, 100u);
    EXPECT_EQ(o.rooms[1].size, 1000u);
    EXPECT_EQ(o.senders, 3u);
    EXPECT_DOUBLE_EQ(o.rate, 0.1);
    EXPECT_EQ(o.payload, 100u);
    EXPECT_EQ(o.warmup, 5.0);
    EXPECT_EQ(o.duration, 30.0);
    EXPECT_EQ(o.threads, 1u);
    EXPECT_EQ(o.json_path, "out.json");
    EXPECT_EQ(o.svg_path, "out.svg");
    EXPECT_EQ(o.label, "W3 chatd step-01");
    EXPECT_EQ(o.process_index, 1u);  // 2/3 is the second of three
    EXPECT_EQ(o.process_count, 3u);
    EXPECT_TRUE(o.quiet);
}

TEST(options, defaults_and_equals_form) {
    const auto o = run({"--connections=7", "--rate=0"});
    EXPECT_EQ(o.connections, 7u);
    EXPECT_EQ(o.rate, 0.0);
    ASSERT_EQ(o.urls.size(), 1u);
    EXPECT_EQ(o.urls[0].text, "ws://127.0.0.1:8080/ws");
    EXPECT_EQ(o.protocol, l::protocol_kind::chatd);
    EXPECT_FALSE(o.senders.has_value());
    EXPECT_TRUE(o.sources.empty());
    EXPECT_TRUE(o.rooms.empty());
    EXPECT_EQ(o.process_count, 1u);
}

TEST(options, several_urls_and_sources_lists) {
    const auto o = run({"--url", "ws://a:1/ws,ws://b:2/ws", "--sources", "127.0.0.9,127.0.1.1-127.0.1.2"});
    ASSERT_EQ(o.urls.size(), 2u);
    EXPECT_EQ(o.urls[1].host, "b");
    ASSERT_EQ(o.sources.size(), 3u);
    EXPECT_EQ(l::ipv4_text(o.sources[2]), "127.0.1.2");
}

TEST(options, urls) {
    auto u = l::parse_ws_url("ws://localhost/socket.io/?EIO=4&transport=websocket");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->port, 80);
    EXPECT_EQ(u->target, "/socket.io/?EIO=4&transport=websocket");
    u = l::parse_ws_url("ws://h:99?x=1");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->target, "/?x=1");
    u = l::parse_ws_url("ws://[::1]:8080/ws");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "::1");
    EXPECT_FALSE(l::parse_ws_url("http://h/ws"));
    EXPECT_FALSE(l::parse_ws_url("wss://h/ws"));
    EXPECT_FALSE(l::parse_ws_url("ws://h:0/ws"));
    EXPECT_FALSE(l::parse_ws_url("ws://h:70000/ws"));
    EXPECT_FALSE(l::parse_ws_url("ws:///ws"));
}

TEST(options, bad_input_gets_a_message_naming_the_option) {
    EXPECT_NE(error({"--connections", "many"}).find("--connections"), std::string::npos);
    EXPECT_NE(error({"--connections", "0"}).find("--connections"), std::string::npos);
    EXPECT_NE(error({"--connections", "-5"}).find("--connections"), std::string::npos);
    EXPECT_NE(error({"--rate", "-1"}).find("--rate"), std::string::npos);
    EXPECT_NE(error({"--rate", "nan"}).find("--rate"), std::string::npos);
    EXPECT_NE(error({"--rate", "1.5x"}).find("--rate"), std::string::npos);
    EXPECT_NE(error({"--payload", "10"}).find("at least 24"), std::string::npos);
    EXPECT_NE(error({"--duration", "0"}).find("--duration"), std::string::npos);
    EXPECT_NE(error({"--threads", "0"}).find("--threads"), std::string::npos);
    EXPECT_NE(error({"--protocol", "mqtt"}).find("chatd or socketio"), std::string::npos);
    EXPECT_NE(error({"--url", "http://x/ws"}).find("--url"), std::string::npos);
    EXPECT_NE(error({"--sources", "127.0.0.300"}).find("--sources"), std::string::npos);
    EXPECT_NE(error({"--sources", "127.0.0.9-127.0.0.1"}).find("--sources"), std::string::npos);
    EXPECT_NE(error({"--rooms", "10"}).find("SIZExCOUNT"), std::string::npos);
    EXPECT_NE(error({"--rooms", "10x0"}).find("SIZExCOUNT"), std::string::npos);
    EXPECT_NE(error({"--rooms", "10x5,"}).find("SIZExCOUNT"), std::string::npos);
    EXPECT_NE(error({"--frobnicate", "1"}).find("unknown option --frobnicate"), std::string::npos);
    EXPECT_NE(error({"--rate"}).find("--rate needs a value"), std::string::npos);
    EXPECT_NE(error({"--quiet=yes"}).find("--quiet"), std::string::npos);
    EXPECT_NE(error({"stray"}).find("stray"), std::string::npos);
}

TEST(options, process_share_counts_from_one) {
    EXPECT_NE(error({"--process", "0/2"}).find("1 <= I <= N"), std::string::npos);
    EXPECT_NE(error({"--process", "3/2"}).find("1 <= I <= N"), std::string::npos);
    EXPECT_NE(error({"--process", "1"}).find("I/N"), std::string::npos);
    const auto o = run({"--process", "2/2"});
    EXPECT_EQ(o.process_index, 1u);
    EXPECT_EQ(o.process_count, 2u);
}

TEST(options, merge_command) {
    auto c = parse({"merge", "a.json", "b.json", "--json", "m.json", "--svg", "m.svg"});
    auto* m = std::get_if<l::merge_options>(&c);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->inputs, (std::vector<std::string>{"a.json", "b.json"}));
    EXPECT_EQ(m->json_path, "m.json");
    EXPECT_EQ(m->svg_path, "m.svg");
    EXPECT_NE(error({"merge"}).find("at least one"), std::string::npos);
    EXPECT_NE(error({"merge", "a.json", "--rate", "1"}).find("unknown option --rate"), std::string::npos);
}

TEST(options, help) {
    EXPECT_TRUE(std::holds_alternative<l::help_request>(parse({"--help"})));
    EXPECT_NE(l::usage().find("--process I/N"), std::string::npos);
}
