#pragma once

// The PostgreSQL writer's tests share this: one real PostgreSQL server per
// test program (pg_server.hpp), a fresh database per test, writers on the
// deterministic executor, and a recorder of acks.

#include "../actor/fixture.hpp"
#include "pg_server.hpp"

#include "store_pg/pg_writer.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chatd::store_pg::test {

using namespace std::chrono_literals;
using done_log = std::shared_ptr<std::vector<append_done>>;
using seq_list = std::vector<std::uint64_t>;
using status = append_done::status;

struct recorder : act::actor<append_done> {
    explicit recorder(done_log log) : log_(std::move(log)) {}
    void handle(const append_done& d) override { log_->push_back(d); }
    done_log log_;
};

/// The server of this test program, started on first use (nullptr when
/// PostgreSQL is not installed).
inline chatd::test::pg_server* shared_server() {
    if (!chatd::test::pg_server::available()) return nullptr;
    static chatd::test::pg_server server;
    return &server;
}

class pg_writer_test : public act::test::deterministic {
protected:
    void SetUp() override {
        server_ = shared_server();
        if (server_ == nullptr) GTEST_SKIP() << chatd::test::pg_server::missing();
        static std::atomic<int> n{0};
        db_ = "writer_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
        url_ = server_->create_database(db_);
    }

    pg_writer_options options() const {
        pg_writer_options o;
        o.conninfo = url_;
        o.startup_wait = 0ms;
        return o;
    }
    pg_writer_hooks recorders() const {
        pg_writer_hooks h;
        h.on_commit = [c = commits_](std::size_t n, std::chrono::nanoseconds) { c->push_back(n); };
        return h;
    }
    pg_writer::ref_type spawn_writer(pg_writer_options o) {
        auto w = sys_.spawn<pg_writer>({.label = "storage"}, std::move(o), recorders());
        run();
        return w;
    }
    pg_writer::ref_type spawn_writer() { return spawn_writer(options()); }

    static new_message msg(std::string room, std::string sender, std::string client_id, std::string text = "hi",
                           std::int64_t ts_ms = 1000) {
        return new_message{std::move(room), std::move(sender), std::move(client_id), std::move(text), ts_ms};
    }
    append line(const std::string& room, const std::string& client_id, std::uint64_t token,
                const std::string& sender = "ann") const {
        return {msg(room, sender, client_id, "line " + client_id, 1000 + static_cast<std::int64_t>(token)), token,
                rec_};
    }
    append event(new_message m, std::uint64_t token) const { return {std::move(m), token, rec_}; }
    static new_message about(event_kind kind, std::string room, std::string sender, std::string client_id,
                             std::uint64_t target, std::string text = {}) {
        auto m = msg(std::move(room), std::move(sender), std::move(client_id), std::move(text), 2000);
        m.kind = kind;
        m.target = target;
        return m;
    }
    static bool ready(const pg_writer::ref_type& w) {
        auto r = w.ask(check_ready{}, 5s).get();
        return r && *r;
    }
    /// Every event of a room, through read_since.
    static std::vector<stored_message> all(const pg_writer::ref_type& w, const std::string& room) {
        std::vector<stored_message> out;
        std::uint64_t after = 0;
        for (;;) {
            auto r = w.ask(read_since{room, after, 100}, 5s).get();
            EXPECT_TRUE(r && r->ok);
            if (!r || !r->ok) return out;
            for (auto& m : r->rows.messages) out.push_back(m);
            if (!r->rows.has_more) return out;
            after = out.back().seq;
        }
    }
    seq_list seqs_done() const {
        seq_list out;
        for (const auto& d : *done_) out.push_back(d.seq);
        return out;
    }
    std::vector<status> statuses() const {
        std::vector<status> out;
        for (const auto& d : *done_) out.push_back(d.outcome);
        return out;
    }

    chatd::test::pg_server* server_ = nullptr;
    std::string db_;  // the test's database, for SQL run beside the writer (server_->exec)
    std::string url_;
    done_log done_ = std::make_shared<std::vector<append_done>>();
    std::shared_ptr<std::vector<std::size_t>> commits_ = std::make_shared<std::vector<std::size_t>>();
    act::ref<append_done> rec_ = sys_.spawn<recorder>({}, done_);
};

}  // namespace chatd::store_pg::test
