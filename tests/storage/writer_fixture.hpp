#pragma once

// The storage writer's tests share this: a writer on the deterministic
// executor over a real SQLite file in a temp folder, and a recorder of acks.

#include "../actor/fixture.hpp"
#include "support.hpp"

#include "storage/writer.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chatd::storage::test {

using namespace std::chrono_literals;

using done_log = std::shared_ptr<std::vector<append_done>>;

/// Writes every append_done it hears into a shared vector.
struct recorder : act::actor<append_done> {
    explicit recorder(done_log log) : log_(std::move(log)) {}
    void handle(const append_done& d) override { log_->push_back(d); }
    done_log log_;
};

/// The temp folder is a base declared before the system, so it is removed
/// only after the system (and the writer's on_stop) is gone.
struct temp_folder {
    temp_dir dir_;
};

class writer_test : protected temp_folder, public act::test::deterministic {
protected:
    explicit writer_test(act::system_config cfg = {}) : act::test::deterministic(std::move(cfg)) {}

    writer_options options() const {
        writer_options o;
        o.store.path = dir_ / "chat.db";
        return o;
    }
    /// Hooks that record each commit's size and each failure's code.
    writer_hooks recorders() const {
        writer_hooks h;
        h.on_commit = [c = commits_](std::size_t n, std::chrono::nanoseconds) { c->push_back(n); };
        h.on_failure = [f = failures_](const error& e) { f->push_back(e.code); };
        return h;
    }
    /// A writer that fails at once on a lock instead of waiting for it.
    writer_options impatient() const {
        auto o = options();
        o.store.busy_timeout = 0ms;
        return o;
    }
    /// Spawns a writer and lets it open its store.
    writer::ref_type spawn_writer(writer_options o) { return spawn_writer(std::move(o), recorders()); }
    writer::ref_type spawn_writer(writer_options o, writer_hooks h) {
        auto w = sys_.spawn<writer>({.label = "storage"}, std::move(o), std::move(h));
        run();
        return w;
    }
    append line(const std::string& room, const std::string& client_id, std::uint64_t token,
                const std::string& sender = "ann") const {
        return {msg(room, sender, client_id, "line " + client_id, 1000 + static_cast<std::int64_t>(token)), token,
                rec_};
    }
    /// A connection of the test's own, holding the write lock until it ends.
    database lock_database() const {
        auto db = open_connection({dir_ / "chat.db", 0ms, {}});
        EXPECT_TRUE(db.exec("BEGIN IMMEDIATE").has_value());
        return db;
    }
    static bool ready(const writer::ref_type& w) {
        auto r = w.ask(check_ready{}, 1s).get();
        EXPECT_TRUE(r.has_value());
        return r && *r;
    }
    std::vector<std::uint64_t> seqs_done() const {
        std::vector<std::uint64_t> out;
        for (const auto& d : *done_) out.push_back(d.seq);
        return out;
    }
    std::vector<std::uint64_t> tokens_done() const {
        std::vector<std::uint64_t> out;
        for (const auto& d : *done_) out.push_back(d.token);
        return out;
    }
    std::size_t count(append_done::status s) const {
        std::size_t n = 0;
        for (const auto& d : *done_) n += d.outcome == s ? 1 : 0;
        return n;
    }

    done_log done_ = std::make_shared<std::vector<append_done>>();
    std::shared_ptr<std::vector<std::size_t>> commits_ = std::make_shared<std::vector<std::size_t>>();
    std::shared_ptr<std::vector<error_code>> failures_ = std::make_shared<std::vector<error_code>>();
    // Spawned before any writer, so it stops after them and hears their last acks.
    act::ref<append_done> rec_ = sys_.spawn<recorder>({}, done_);
};

using seq_list = std::vector<std::uint64_t>;
using status = append_done::status;

}  // namespace chatd::storage::test
