#pragma once

// Runs a throwaway redis-server (Debian's redis-server) for a test: in a
// temporary folder, on a free loopback port, no persistence, no root. It
// can be killed and started again on the same port, as an outage. A test
// whose machine has no redis-server skips, saying so.

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

extern char** environ;

namespace chatd::test {

class redis_server {
public:
    /// Where Debian puts it; empty when it is not installed.
    static std::string binary() {
        for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"})
            if (::access(p, X_OK) == 0) return p;
        return {};
    }

    redis_server() : port_(free_port()) {
        static int n = 0;
        dir_ = std::filesystem::temp_directory_path() /
               ("chatd-redis-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::create_directories(dir_);
    }
    ~redis_server() {
        kill();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

    /// Starts it and waits (bounded) until it says it accepts connections.
    bool start() {
        int out[2];
        if (::pipe(out) != 0) return false;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&fa, out[0]);
        std::vector<std::string> args{binary(), "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", dir_.string(),
                                      "--daemonize", "no", "--loglevel", "notice"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int rc = posix_spawn(&pid_, args[0].c_str(), &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(out[1]);
        if (rc != 0) {
            ::close(out[0]);
            pid_ = -1;
            return false;
        }
        // Its log says when it is ready: wait for that line, not for a time.
        std::string seen;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        bool ready = false;
        while (!ready && std::chrono::steady_clock::now() < give_up) {
            pollfd p{out[0], POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0) continue;
            char buf[512];
            const auto n = ::read(out[0], buf, sizeof buf);
            if (n <= 0) break;
            seen.append(buf, static_cast<std::size_t>(n));
            ready = seen.find("Ready to accept connections") != std::string::npos;
        }
        ::close(out[0]);  // it logs on to a closed pipe: redis ignores SIGPIPE's EPIPE on its log
        if (!ready) ADD_FAILURE() << "redis-server did not start:\n" << seen;
        return ready;
    }

    /// kill -9, as a crash or a lost machine.
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    static std::uint16_t free_port() {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
        ::close(s);
        return ntohs(a.sin_port);
    }

    std::filesystem::path dir_;
    std::uint16_t port_;
    pid_t pid_ = -1;
};

/// Skips the test when redis-server is not installed (scripts/setup.sh --test installs it).
#define CHATD_NEEDS_REDIS()                                                                        \
    if (chatd::test::redis_server::binary().empty())                                              \
    GTEST_SKIP() << "redis-server is not installed (apt-get install redis-server, or scripts/setup.sh --test)"

}  // namespace chatd::test
