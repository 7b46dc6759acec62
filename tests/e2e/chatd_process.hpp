#pragma once

// The chatd binary (CHATD_BINARY) as a running server: a child process on a
// free port, for tests that must see the real program from outside.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace chatd::test {

/// chatd as a child process; reads the port from the line it prints.
class chatd_process {
public:
    /// Starts chatd on `db` with `extra` flags after the usual ones (127.0.0.1,
    /// a free port, two threads, warnings only); port() is 0 if it did not start.
    explicit chatd_process(const std::filesystem::path& db, std::vector<std::string> extra = {}) {
        int out[2];
        EXPECT_EQ(::pipe(out), 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        const std::string db_arg = db.string();
        std::vector<std::string> args = {CHATD_BINARY, "--bind", "127.0.0.1", "--port", "0", "--db", db_arg,
                                         "--threads", "2", "--log-level", "warn"};
        args.insert(args.end(), extra.begin(), extra.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        EXPECT_EQ(posix_spawn(&pid_, CHATD_BINARY, &actions, nullptr, argv.data(), environ), 0);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        out_ = out[0];
        port_ = read_port();
    }
    ~chatd_process() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }
    std::uint16_t port() const { return port_; }

    /// Sends SIGTERM and waits (bounded) for the exit; returns the exit status, -1 if it did not exit.
    int terminate() {
        ::kill(pid_, SIGTERM);
        const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        pollfd p{pidfd, POLLIN, 0};
        const bool exited = ::poll(&p, 1, 30'000) == 1;
        ::close(pidfd);
        if (!exited) return -1;
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    std::uint16_t read_port() {
        std::string text;
        char buf[256];
        while (text.find('\n') == std::string::npos) {
            pollfd p{out_, POLLIN, 0};
            if (::poll(&p, 1, 30'000) != 1) return 0;
            const auto n = ::read(out_, buf, sizeof buf);
            if (n <= 0) return 0;
            text.append(buf, static_cast<std::size_t>(n));
        }
        const auto at = text.find("localhost:");
        return at == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(text.substr(at + 10)));
    }

    pid_t pid_ = -1;
    int out_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace chatd::test
