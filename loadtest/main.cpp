// chatd-load: a black-box load generator for chatd (docs/protocol.md) and
// for peers that speak the same subset or Socket.IO 4. It links the protocol
// codec's JSON helpers and Beast, never the server.

#include "merge.hpp"
#include "options.hpp"
#include "runner.hpp"

#include <iostream>
#include <string_view>
#include <vector>

int main(int argc, char** argv) {
    using namespace chatd::load;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    const command cmd = parse_command_line(args);
    if (const auto* e = std::get_if<option_error>(&cmd)) {
        std::cerr << "chatd-load: " << e->message << "\n";
        return 2;
    }
    if (std::holds_alternative<help_request>(cmd)) {
        std::cout << usage();
        return 0;
    }
    if (const auto* m = std::get_if<merge_options>(&cmd)) return run_merge(*m);
    try {
        return run_load(std::get<run_options>(cmd));
    } catch (const std::exception& e) {
        std::cerr << "chatd-load: " << e.what() << "\n";
        return 1;
    }
}
