#pragma once

// The WAL checkpointer: copies what the storage writer committed to the WAL
// into the database file on a thread and a connection of its own, so the
// writer's commits (and the acks waiting on them) never wait for that copy
// and the fsyncs that come with it.

#include "act/actor.hpp"
#include "storage/connection.hpp"
#include "storage/db_file.hpp"
#include "storage/result.hpp"
#include "storage/sqlite.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <utility>

namespace chatd::storage {

/// What one checkpoint did.
struct checkpoint_done {
    bool ok = false;
    std::uint32_t wal_pages = 0;     ///< pages in the WAL when it ran
    std::uint32_t copied_pages = 0;  ///< of those, now in the database file
    error why;                       ///< when !ok; code busy when another checkpoint was at work
};

/// Copy the WAL into the database file now, without blocking the writer
/// (SQLite's PASSIVE checkpoint). Asked by the writer when its WAL grows.
struct checkpoint_wal {
    using reply = checkpoint_done;
    /// The file the writer has open: no checkpoint unless the path still
    /// names it. Unset: not checked.
    std::optional<file_identity> file;
};

struct checkpointer_options {
    std::filesystem::path path;  ///< the writer's database file
    std::chrono::milliseconds busy_timeout{5000};
    sync_mode sync = sync_mode::full;
    /// After each checkpoint, on the checkpointer's thread: quick and
    /// thread-safe (a histogram). Empty: not called.
    std::function<void(const checkpoint_done&, std::chrono::nanoseconds took)> on_checkpoint;
};

/// Spawn it bound to a thread of its own (every call blocks), before the
/// writer under the same supervisor: it then stops after the writer and, as
/// the last connection to close, leaves the database checkpointed. Its
/// failures stay its own: a database it cannot open is logged and tried
/// again at the next request, never thrown to the supervisor, and without
/// it the writer's WAL bound still holds.
/// Everything here runs in its own turn; only the ref is for others.
class checkpointer final : public act::actor<checkpoint_wal> {
public:
    explicit checkpointer(checkpointer_options options) : opts_(std::move(options)) {}

    /// Opens its connection; logs (and tries again later) if it cannot.
    void on_start() override { open(); }
    void on_stop() override { db_.reset(); }

    checkpoint_done handle(const checkpoint_wal& m) override;

private:
    bool open();

    checkpointer_options opts_;
    std::optional<database> db_;
};

}  // namespace chatd::storage
