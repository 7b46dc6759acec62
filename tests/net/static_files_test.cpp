// Static file lookup (server/net/static_files, mime_types) without sockets:
// targets are decoded and mapped under the root, and nothing outside the
// root is ever found: not by "..", percent-encoding, backslashes, NUL,
// or a symlink pointing out.

#include "net/mime_types.hpp"
#include "net/static_files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

using chatd::net::decode_target_path;
using chatd::net::mime_type;
using chatd::net::static_files;
namespace fs = std::filesystem;

namespace {

// <tmp>/root holds the site; <tmp>/secret.txt and <tmp>/outside/ do not
// belong to it, and root/out is a symlink to <tmp>/outside.
class site : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "chatd-static-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        base_ = tmpl;
        write("root/index.html", "<h1>chat</h1>");
        write("root/app.js", "console.log(1)");
        write("root/css/site.css", "body{}");
        write("root/docs/index.html", "docs");
        write("root/.env", "SECRET=1");
        write("root/a b.txt", "space");
        write("secret.txt", "TOP SECRET");
        write("outside/leak.txt", "TOP SECRET");
        write("rootsibling/x.txt", "TOP SECRET");
        fs::create_directory_symlink(base_ / "outside", base_ / "root" / "out");
        fs::create_symlink(base_ / "secret.txt", base_ / "root" / "secret-link.txt");
        fs::create_symlink("index.html", base_ / "root" / "home.html");  // stays inside: allowed
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(base_, ec);
    }
    void write(const fs::path& rel, const std::string& content) {
        fs::create_directories((base_ / rel).parent_path());
        std::ofstream(base_ / rel, std::ios::binary) << content;
    }
    static_files::outcome what(const std::string& target) { return static_files(base_ / "root").lookup(target).what; }

    fs::path base_;
};

TEST(decode_target_path, decodes_percent_escapes_and_drops_the_query) {
    EXPECT_EQ(decode_target_path("/a%20b.txt?x=1#f"), "/a b.txt");
    EXPECT_EQ(decode_target_path("/%41%62"), "/Ab");
    EXPECT_EQ(decode_target_path("/"), "/");
    EXPECT_EQ(decode_target_path("/a+b"), "/a+b");
}

TEST(decode_target_path, refuses_malformed_and_dangerous_targets) {
    EXPECT_FALSE(decode_target_path(""));
    EXPECT_FALSE(decode_target_path("index.html"));           // not origin-form
    EXPECT_FALSE(decode_target_path("http://x/index.html"));  // absolute-form
    EXPECT_FALSE(decode_target_path("/%"));
    EXPECT_FALSE(decode_target_path("/%4"));
    EXPECT_FALSE(decode_target_path("/%zz"));
    EXPECT_FALSE(decode_target_path("/a%00.html"));
    EXPECT_FALSE(decode_target_path("/..%5csecret.txt"));
    EXPECT_FALSE(decode_target_path("/..\\secret.txt"));
}

TEST_F(site, finds_files_with_their_content_type) {
    const static_files files(base_ / "root");
    auto r = files.lookup("/");
    ASSERT_EQ(r.what, static_files::outcome::found);
    EXPECT_EQ(r.file, fs::canonical(base_ / "root" / "index.html"));
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");

    r = files.lookup("/app.js?v=3");
    ASSERT_EQ(r.what, static_files::outcome::found);
    EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");

    r = files.lookup("/css//./site.css");
    ASSERT_EQ(r.what, static_files::outcome::found);
    EXPECT_EQ(r.content_type, "text/css; charset=utf-8");

    EXPECT_EQ(files.lookup("/docs/").what, static_files::outcome::found);
    EXPECT_EQ(files.lookup("/a%20b.txt").what, static_files::outcome::found);
    EXPECT_EQ(files.lookup("/home.html").what, static_files::outcome::found);  // a link within the root
}

TEST_F(site, serves_from_memory_what_start_up_read) {
    const static_files files(base_ / "root");
    // Changes after start-up do not reach the disk-free serving path.
    write("root/app.js", "changed");
    write("root/late.js", "new");
    auto r = files.lookup("/app.js");
    ASSERT_EQ(r.what, static_files::outcome::found);
    ASSERT_TRUE(r.body);
    EXPECT_EQ(*r.body, "console.log(1)");
    EXPECT_EQ(files.lookup("/late.js").what, static_files::outcome::not_found);
}

TEST_F(site, refuses_traversal_in_every_spelling) {
    using o = static_files::outcome;
    for (const char* t : {"/../secret.txt", "/docs/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2fsecret.txt",
                          "/docs/%2e%2e/%2e%2e/secret.txt", "/..%2f..%2fetc%2fpasswd", "/../../../../etc/passwd"})
        EXPECT_EQ(what(t), o::bad_request) << t;
    for (const char* t : {"/..%5csecret.txt", "/%00", "/index.html%00.txt", "/%zz"}) EXPECT_EQ(what(t), o::bad_request) << t;
    // Absolute paths become relative to the root; links out of it are not followed.
    for (const char* t : {"//etc/passwd", "/%2fetc%2fpasswd", "/out/leak.txt", "/secret-link.txt", "/../rootsibling/x.txt",
                          "/.env", "/%2eenv", "/docs", "/nope.html", "/out/"})
        EXPECT_NE(what(t), o::found) << t;
}

TEST_F(site, refuses_a_root_that_is_not_a_directory) {
    EXPECT_THROW(static_files(base_ / "missing"), std::runtime_error);
    EXPECT_THROW(static_files(base_ / "secret.txt"), std::runtime_error);
}

TEST(mime_type, maps_the_extensions_the_client_uses) {
    EXPECT_EQ(mime_type("index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(mime_type("/x/app.js"), "text/javascript; charset=utf-8");
    EXPECT_EQ(mime_type("mod.mjs"), "text/javascript; charset=utf-8");
    EXPECT_EQ(mime_type("site.CSS"), "text/css; charset=utf-8");
    EXPECT_EQ(mime_type("data.json"), "application/json");
    EXPECT_EQ(mime_type("logo.svg"), "image/svg+xml");
    EXPECT_EQ(mime_type("logo.png"), "image/png");
    EXPECT_EQ(mime_type("favicon.ico"), "image/x-icon");
    EXPECT_EQ(mime_type("robots.txt"), "text/plain; charset=utf-8");
    EXPECT_EQ(mime_type("app.js.map"), "application/json");
    EXPECT_EQ(mime_type("font.woff2"), "font/woff2");
    EXPECT_EQ(mime_type("archive.tar.gz"), "application/octet-stream");
    EXPECT_EQ(mime_type("Makefile"), "application/octet-stream");
    EXPECT_EQ(mime_type(".js"), "application/octet-stream");
    EXPECT_EQ(mime_type("dir.js/file"), "application/octet-stream");
}

}  // namespace
