// libFuzzer harness: an HTTP request as the server handles it, without a
// socket. Beast's parser reads the bytes under the server's header and
// body limits (as http_session does); a parsed request is routed
// (route_of) and then taken as far as its route goes without I/O: a static
// file is looked up in a small web root (decode_target_path and
// static_files::lookup), an upgrade's key and version are checked and its
// 101 response made. A lookup must never find a file outside the root.

#include <utility>  // before Boost: see docs/architecture.md

#include "net/http_routing.hpp"
#include "net/net_config.hpp"
#include "net/static_files.hpp"
#include "net/ws_handshake.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace chatd::net;
using namespace chatd::net::detail;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

// A web root with an index, a file in a folder, a hidden file, and a
// symlink out of the root, next to a secret file the lookup must not reach.
struct web_root {
    fs::path top;
    std::unique_ptr<static_files> files;

    web_root() {
        top = fs::temp_directory_path() / ("chatd-fuzz-" + std::to_string(::getpid()));
        fs::remove_all(top);
        fs::create_directories(top / "site" / "css");
        const auto write = [](const fs::path& p, const char* body) { std::ofstream(p) << body; };
        write(top / "site" / "index.html", "<!doctype html>");
        write(top / "site" / "css" / "site.css", "body{}");
        write(top / "site" / ".hidden", "hidden");
        write(top / "secret.txt", "secret");
        fs::create_directory_symlink(top, top / "site" / "up");
        files = std::make_unique<static_files>(top / "site");
    }
    ~web_root() {
        std::error_code ec;
        fs::remove_all(top, ec);
    }
};

void handle(const upgrade_request& req, const static_files& files) {
    const std::string_view target(req.target().data(), req.target().size());
    switch (route_of(req)) {
        case http_route::static_file: {
            const auto found = files.lookup(target);
            if (found.what == static_files::outcome::found) {
                check(found.body != nullptr);
                const auto rel = found.file.lexically_relative(files.root());
                check(!rel.empty() && *rel.begin() != "..");
            }
            break;
        }
        case http_route::websocket: {
            const auto key = req[http::field::sec_websocket_key];
            const auto version = req[http::field::sec_websocket_version];
            const std::string_view k(key.data(), key.size());
            if (!ws_upgrade_problem(k, std::string_view(version.data(), version.size())))
                check(!ws_switching_response(k).empty());
            break;
        }
        default: break;
    }
    (void)decode_target_path(target);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const web_root root;
    static const net_config cfg;

    // Several requests may follow each other on one kept-alive connection.
    boost::beast::string_view rest(reinterpret_cast<const char*>(data), size);
    for (int n = 0; n < 8 && !rest.empty(); ++n) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(cfg.http_header_limit);
        parser.body_limit(cfg.http_body_limit);
        parser.eager(true);
        boost::beast::error_code ec;
        const auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        if (ec == http::error::need_more && rest.size() > 0) {
            parser.put_eof(ec);
        }
        if (ec || !parser.is_done()) return 0;
        handle(parser.get(), *root.files);
        if (used == 0) return 0;
        rest.remove_prefix(used);
    }
    return 0;
}
