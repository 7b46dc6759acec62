// chatd: reads its configuration, starts the server, and stops it in order
// on SIGINT or SIGTERM (exit 0), so nothing acknowledged is lost. It does
// not run without its database: one line on stderr and exit 3 (1 for any
// other start-up failure), for the supervisor (systemd, podman, k8s) to show.

#include "app/chat_server.hpp"
#include "app/server_config.hpp"
#include "storage/startup_error.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <pthread.h>
#include <string>

int main(int argc, char** argv) {
    // Block the stop signals before any thread starts (threads inherit the
    // mask), so only sigwait below receives them — also as PID 1 in a container.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    std::string db;
    try {
        auto cfg = chatd::app::parse_config(argc, argv);
        if (!cfg) return 0;  // --help
        spdlog::set_level(spdlog::level::from_str(cfg->log_level));
        db = cfg->storage.store.path.string();
        chatd::app::chat_server server(std::move(*cfg));
        std::printf("chatd is running: open http://localhost:%u/ (Ctrl+C stops it)\n", server.port());
        std::fflush(stdout);
        int sig = 0;
        sigwait(&stop_signals, &sig);
        spdlog::info("received signal {}, stopping", sig);
        server.stop();
        return 0;
    } catch (const chatd::storage::startup_error& e) {
        std::fprintf(stderr, "chatd: cannot start without its database %s: %s\n", db.c_str(), e.what());
        return 3;
    } catch (const std::exception& e) {
        spdlog::critical("chatd could not start: {}", e.what());
        return 1;
    }
}
