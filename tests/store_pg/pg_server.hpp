#pragma once

// A real PostgreSQL 15 server for a test, made from nothing in a temp folder:
// initdb, then pg_ctl start on a unix socket in that folder (no TCP, so no
// port can clash), stopped and removed with the object. Run as root (as CI
// is), the server runs as the `postgres` (or `nobody`) user, because
// PostgreSQL refuses to run as root.
//
// Tests that need it call pg_server::available() first and GTEST_SKIP with
// pg_server::missing() when it is false.

#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace chatd::test {

class pg_server {
public:
    /// The folder of initdb and pg_ctl: $CHATD_PG_BIN, else Debian's PostgreSQL 15.
    static std::filesystem::path bin() {
        const char* dir = std::getenv("CHATD_PG_BIN");
        return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path("/usr/lib/postgresql/15/bin");
    }
    static bool available() {
        std::error_code ec;
        return std::filesystem::exists(bin() / "initdb", ec) && std::filesystem::exists(bin() / "pg_ctl", ec);
    }
    static std::string missing() {
        return "PostgreSQL 15 is not installed (no " + (bin() / "initdb").string() +
               "; apt-get install postgresql-15, or set CHATD_PG_BIN)";
    }

    /// Creates the cluster and starts it. Throws std::runtime_error on failure.
    pg_server() {
        std::string pattern = (std::filesystem::temp_directory_path() / "chatd-pg-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        try {
            if (::geteuid() == 0) {
                const passwd* pw = ::getpwnam("postgres");
                if (pw == nullptr) pw = ::getpwnam("nobody");
                if (pw == nullptr) throw std::runtime_error("running as root, and no postgres or nobody user to run PostgreSQL as");
                uid_ = pw->pw_uid;
                gid_ = pw->pw_gid;
                if (::chown(dir_.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown of the PostgreSQL folder failed");
            }
            if (run({(bin() / "initdb").string(), "-D", data().string(), "-U", "chatd", "--auth=trust", "--no-sync",
                     "--locale=C", "--encoding=UTF8"}) != 0)
                throw std::runtime_error("initdb failed: " + log_tail());
            start();
        } catch (...) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
            throw;
        }
    }
    pg_server(const pg_server&) = delete;
    pg_server& operator=(const pg_server&) = delete;
    ~pg_server() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// Starts the server (again) and waits until it accepts connections.
    void start() {
        // fsync off: a test's data need not survive a power loss.
        const std::string opts = "-k " + dir_.string() + " -p " + std::to_string(port) +
                                 " -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                                 "-c full_page_writes=off -c max_connections=200";
        if (run({(bin() / "pg_ctl").string(), "-D", data().string(), "-o", opts, "-l", log().string(), "-w", "-t",
                 "60", "start"}) != 0)
            throw std::runtime_error("pg_ctl start failed: " + log_tail());
        running_ = true;
    }
    /// Stops the server now (fast shutdown: open connections are cut).
    void stop() {
        if (!running_) return;
        run({(bin() / "pg_ctl").string(), "-D", data().string(), "-m", "fast", "-w", "-t", "60", "stop"});
        running_ = false;
    }

    /// A libpq URL of database `db` on this server.
    std::string url(const std::string& db = "postgres") const {
        return "postgresql:///" + db + "?host=" + dir_.string() + "&port=" + std::to_string(port) + "&user=chatd";
    }

    /// Creates an empty database and returns its URL.
    std::string create_database(const std::string& db) const {
        exec("postgres", "CREATE DATABASE " + db);
        return url(db);
    }

    /// Runs SQL on database `db`; throws with the server's message if it fails.
    void exec(const std::string& db, const std::string& sql) const {
        PGconn* c = PQconnectdb(url(db).c_str());
        std::string why;
        if (PQstatus(c) != CONNECTION_OK) {
            why = PQerrorMessage(c);
        } else {
            PGresult* r = PQexec(c, sql.c_str());
            const auto st = PQresultStatus(r);
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) why = PQresultErrorMessage(r);
            PQclear(r);
        }
        PQfinish(c);
        if (!why.empty()) throw std::runtime_error(sql + ": " + why);
    }

    static constexpr int port = 5432;  // on a socket in our own folder: no clash with another server

private:
    std::filesystem::path data() const { return dir_ / "data"; }
    std::filesystem::path log() const { return dir_ / "postgres.log"; }

    // The end of the server's log, for an error message.
    std::string log_tail() const {
        std::ifstream in(log());
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
    }

    // Runs a program (as the server's user when root) and returns its exit status.
    int run(std::vector<std::string> args) const {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) return -1;
        if (pid == 0) {
            if (uid_ != 0 && (::setgid(gid_) != 0 || ::setuid(uid_) != 0)) ::_exit(126);
            const std::string out = log().string();
            if (std::FILE* f = std::freopen(out.c_str(), "a", stdout)) (void)f;
            ::dup2(STDOUT_FILENO, STDERR_FILENO);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    std::filesystem::path dir_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    bool running_ = false;
};

}  // namespace chatd::test
