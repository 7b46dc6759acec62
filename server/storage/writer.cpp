#include "storage/writer.hpp"

#include "storage/event_rules.hpp"  // storable
#include "storage/startup_error.hpp"
#include "storage/writer_replies.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace chatd::storage {

namespace {

// Worth trying again: another connection holds the lock, or the disk had a
// moment (full, or a transient I/O error). Anything else will fail the same
// way next time.
bool retryable(error_code c) noexcept { return c == error_code::busy || c == error_code::io; }

read_result to_read_result(result<page> r) {
    if (!r) return {false, {}, std::move(r).error().message};
    return {true, std::move(r).value(), {}};
}

const char* plural(std::size_t n) noexcept { return n == 1 ? "" : "s"; }

}  // namespace

writer::writer(writer_options options, writer_hooks hooks) : opts_(std::move(options)), hooks_(std::move(hooks)) {
    if (opts_.max_batch == 0) throw std::invalid_argument("storage writer: max_batch must be at least 1");
    if (opts_.retry.max_attempts == 0) throw std::invalid_argument("storage writer: retry.max_attempts must be at least 1");
    // A refused batch must fit among the appends held behind it.
    opts_.max_waiting = std::max(opts_.max_waiting, opts_.max_batch);
}

void writer::on_start() {
    try {
        store_.emplace(opts_.store);
    } catch (const startup_error& e) {
        spdlog::error("storage: cannot open {}: {}", opts_.store.path.string(), e.what());
        if (hooks_.on_open) hooks_.on_open(&e.error());
        throw;  // the supervisor decides
    }
    file_ = identify(opts_.store.path);
    if (hooks_.on_open) hooks_.on_open(nullptr);
    spdlog::info("storage: opened {} (schema version {})", opts_.store.path.string(), store_->schema_version());
    // Periodic timers die with the instance; they run between batches.
    if (opts_.watch_interval > act::duration::zero())
        self_cell().add_timer(opts_.watch_interval, true, [this] { writable(); });
    if (opts_.integrity_check_interval > act::duration::zero())
        self_cell().add_timer(opts_.integrity_check_interval, true, [this] { on_integrity_check(); });
}

void writer::on_stop() {
    stopping_ = true;  // the checkpointer stops after us: asking it now is useless
    // The runtime has cancelled the timers already.
    retry_timer_ = 0;
    if (store_ && !broken_) writable();  // a lost file is sealed before anything else
    if (!store_ || broken_) {
        fail_front(rows_.size());
        store_.reset();
        return;
    }
    // One attempt per batch: a stop must not wait out a retry schedule.
    while (!rows_.empty()) {
        const std::size_t n = refused_batch_ != 0 ? refused_batch_ : std::min(rows_.size(), opts_.max_batch);
        refused_batch_ = 0;
        if (auto why = commit(n)) {
            spdlog::error("storage: stopping, {} pending line{} not stored: {} ({})", rows_.size(),
                          plural(rows_.size()), why->message, to_string(why->code));
            fail_front(rows_.size());
        }
    }
    store_.reset();  // closes the database here, on the writer's thread
}

// Committed now unless another message waits: the writes among those join
// this batch, and the last of them commits it (or a read does, first). So
// one line on an idle writer waits for its commit alone, and under load a
// batch is whatever arrived during the commit before it.
void writer::handle(const append& m) { flush_after_queueing(admit(m.row, append_reply{m.token, m.reply_to})); }

void writer::handle(const create_room& m, act::promise<answer<create_outcome>> reply) {
    flush_after_queueing(admit(m.room, std::move(reply)));
}

void writer::handle(const mark_read& m, act::promise<answer<mark_outcome>> reply) {
    flush_after_queueing(admit(m.mark, std::move(reply)));
}

void writer::flush_after_queueing(bool queued) {
    if (queued && rows_.size() >= opts_.max_batch)
        flush();
    else
        flush_if_idle();
}

// Queues w, or answers it failed at once: false then.
bool writer::admit(write_op w, waiting_reply reply) {
    if (!store_ || broken_) {
        refuse(reply, broken_ ? broken_->message : "storage is not open");
        return false;
    }
    // The store would fail the whole batch for one such write: refuse it alone.
    if (!std::visit([](const auto& x) { return well_formed(x); }, w)) {
        spdlog::warn("storage: refused a write that is not well formed (an empty room, sender or client id, an event "
                     "without its target or subject, or a room that cannot be created)");
        refuse(reply, "not well formed");
        return false;
    }
    // As PostgreSQL's writer does, so that no write depends on the store.
    if (!std::visit([](const auto& x) { return storable(x); }, w)) {
        spdlog::warn("storage: refused a write holding a NUL byte");
        refuse(reply, "holds a NUL byte, which cannot be stored", reject_reason::not_storable);
        return false;
    }
    if (retrying() && rows_.size() >= opts_.max_waiting) {
        if (!overflow_logged_)
            spdlog::warn("storage: {} writes wait behind a refused batch; failing new ones until it clears",
                         rows_.size());
        overflow_logged_ = true;
        refuse(reply, "storage is retrying a refused batch and its queue is full");
        return false;
    }
    rows_.push_back(std::move(w));
    replies_.push_back(std::move(reply));
    return true;
}

// Tells one write's requester that it was not stored.
void writer::refuse(waiting_reply& reply, const std::string& why, reject_reason reason) {
    std::visit(
        [&](auto& r) {
            if constexpr (std::is_same_v<std::decay_t<decltype(r)>, append_reply>) {
                const auto status = reason == reject_reason::none ? append_done::status::failed
                                                                  : append_done::status::rejected;
                tell(r.reply_to, {r.token, status, 0, 0, reason});
            } else {
                refuse_promise(r, why);
            }
        },
        reply);
}

read_result writer::handle(const read_history& m) {
    if (!store_) return {false, {}, "storage is not open"};
    if (broken_) return {false, {}, broken_->message};
    flush();
    auto r = store_->history(m.room, m.before, m.limit);
    if (!r) note(r.error());
    return to_read_result(std::move(r));
}

read_result writer::handle(const read_since& m) {
    if (!store_) return {false, {}, "storage is not open"};
    if (broken_) return {false, {}, broken_->message};
    flush();
    auto r = store_->since(m.room, m.after, m.limit);
    if (!r) note(r.error());
    return to_read_result(std::move(r));
}

std::uint64_t writer::handle(const read_last_seq& m) {
    if (!store_ || broken_) return 0;
    flush();
    auto r = store_->last_seq(m.room);
    if (!r) {
        note(r.error());
        spdlog::warn("storage: last seq of room '{}': {}", m.room, r.error().message);
        return 0;
    }
    return *r;
}

answer<room_state> writer::handle(const read_room& m) {
    return read<room_state>([&](message_store& store) { return store.room(m.room); });
}

answer<std::vector<user_room>> writer::handle(const read_user_rooms& m) {
    return read<std::vector<user_room>>([&](message_store& store) { return store.rooms_of(m.user, m.only_room); });
}

answer<room_list> writer::handle(const list_rooms& m) {
    return read<room_list>([&](message_store& store) { return store.rooms(m.after, m.limit, m.kind); });
}

// A read after the pending writes are committed, answered as an answer<T>.
template <class T, class Read>
answer<T> writer::read(Read&& from_store) {
    answer<T> out;
    if (!store_ || broken_) {
        out.error = broken_ ? broken_->message : "storage is not open";
        return out;
    }
    flush();
    auto r = from_store(*store_);
    if (!r) {
        note(r.error());
        out.error = std::move(r).error().message;
        return out;
    }
    out.ok = true;
    out.value = std::move(r).value();
    return out;
}

bool writer::handle(const check_ready&) {
    flush_if_idle();  // the last message in the mailbox commits what is queued
    if (!store_ || broken_ || last_commit_failed_ || !writable()) return false;
    auto r = store_->check();
    if (r) return true;
    note(r.error());
    if (!broken_) spdlog::warn("storage: not ready: {}", r.error().message);
    return false;
}

// Commits every queued append, batch by batch, unless a refused batch waits
// for its retry: then the queue stays as it is, and reads are answered from
// what is committed (nothing queued has been acked, so nobody was told of it).
void writer::flush() {
    while (!rows_.empty() && !retrying()) commit_front();
}

// Every handler of a user message ends here or in flush(), so nothing stays
// queued once the mailbox is empty. Timer ticks are not counted: they need
// no batch to wait for them.
void writer::flush_if_idle() {
    if (self_cell().mailbox_waiting() == 0) flush();
}

// One attempt at the front batch. A refusal worth retrying keeps the batch
// and arms the retry timer; any other outcome takes the batch off the queue.
void writer::commit_front() {
    if (!writable()) {
        // Refused, not retried: a file that is not ours or not writable
        // will not take this batch in a few milliseconds either.
        fail_front(rows_.size());
        refused_batch_ = 0;
        attempts_ = 0;
        return;
    }
    const std::size_t n = refused_batch_ != 0 ? refused_batch_ : std::min(rows_.size(), opts_.max_batch);
    auto why = commit(n);
    if (!why) {
        if (attempts_ != 0)
            spdlog::info("storage: a batch of {} line{} was stored after {} failed attempt{}", n, plural(n), attempts_,
                         plural(attempts_));
        refused_batch_ = 0;
        attempts_ = 0;
        overflow_logged_ = false;
        return;
    }
    if (broken_) return;  // the queue was failed with it
    ++attempts_;
    if (retryable(why->code) && attempts_ < opts_.retry.max_attempts) {
        if (attempts_ == 1)
            spdlog::warn("storage: a batch of {} line{} was refused ({}: {}); retrying", n, plural(n),
                         to_string(why->code), why->message);
        refused_batch_ = n;
        const auto wait = backoff();
        retry_timer_ = self_cell().add_timer(wait, false, [this] { on_retry(); });
        return;
    }
    spdlog::error("storage: gave up on a batch of {} line{} after {} attempt{}: {} ({})", n, plural(n), attempts_,
                  plural(attempts_), why->message, to_string(why->code));
    fail_front(n);
    refused_batch_ = 0;
    attempts_ = 0;
    overflow_logged_ = false;
}

// One write_batch of the first n queued writes. On success each is answered
// in order and they leave the queue; on failure the queue is untouched.
std::optional<error> writer::commit(std::size_t n) {
    const auto start = std::chrono::steady_clock::now();
    auto r = store_->write_batch(std::span<const write_op>(rows_.data(), n));
    const auto took = std::chrono::steady_clock::now() - start;
    if (!r) {
        last_commit_failed_ = true;
        if (hooks_.on_failure) hooks_.on_failure(r.error());
        note(r.error());
        return std::move(r).error();
    }
    last_commit_failed_ = false;
    if (hooks_.on_commit) hooks_.on_commit(n, std::chrono::duration_cast<std::chrono::nanoseconds>(took));
    auto& outcomes = *r;
    for (std::size_t i = 0; i < n; ++i) {
        std::visit(
            [&](auto& reply) {
                using reply_type = std::decay_t<decltype(reply)>;
                if constexpr (std::is_same_v<reply_type, append_reply>) {
                    const auto& o = std::get<append_outcome>(outcomes[i]);
                    tell(reply.reply_to, {reply.token, to_status(o.status), o.seq, o.ts_ms, o.reason});
                } else if constexpr (std::is_same_v<reply_type, act::promise<answer<create_outcome>>>) {
                    answer_ok(reply, std::get<create_outcome>(std::move(outcomes[i])));
                } else {
                    answer_ok(reply, std::get<mark_outcome>(outcomes[i]));
                }
            },
            replies_[i]);
    }
    rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(n));
    replies_.erase(replies_.begin(), replies_.begin() + static_cast<std::ptrdiff_t>(n));
    for (; backstops_seen_ < store_->backstop_checkpoints(); ++backstops_seen_)
        if (hooks_.on_backstop_checkpoint) hooks_.on_backstop_checkpoint();
    maybe_checkpoint();
    return std::nullopt;
}

// Answers the first n queued writes failed and drops them.
void writer::fail_front(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) refuse(replies_[i], "not stored: storage failed");
    rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(n));
    replies_.erase(replies_.begin(), replies_.begin() + static_cast<std::ptrdiff_t>(n));
}

// The retry timer runs in this actor's turn and dies with the instance; it
// is not a message of the writer's interface, so nobody else can fire it.
void writer::on_retry() {
    retry_timer_ = 0;
    flush();  // the refused batch first, then what queued up behind it
}

// initial_backoff · 2^(failed attempts - 1), capped at max_backoff.
act::duration writer::backoff() const {
    act::duration d = opts_.retry.initial_backoff;
    for (std::uint32_t i = 1; i < attempts_ && d < opts_.retry.max_backoff; ++i) d *= 2;
    return std::min(d, opts_.retry.max_backoff);
}

// Before a commit, a readiness answer and on the watch timer: the path
// still names the file opened, and this process could write it. A read-only
// file may become writable again; a lost one is lost for good.
bool writer::writable() {
    if (!store_ || broken_) return false;
    if (identify(opts_.store.path) != file_) {
        give_up({error_code::io, 0, opts_.store.path.string() + " was deleted or replaced while chatd had it open"});
        return false;
    }
    auto why = why_not_writable(opts_.store.path);
    if (why && !read_only_) spdlog::error("storage: {}; refusing lines until it is writable again", *why);
    if (!why && read_only_) spdlog::info("storage: {} is writable again", opts_.store.path.string());
    read_only_ = std::move(why);
    return !read_only_;
}

// Every error a statement returns passes here: damage ends the store.
void writer::note(const error& e) {
    if (e.code == error_code::corrupt) give_up({e.code, e.sqlite_code, opts_.store.path.string() + " is damaged: " + e.message});
}

// Lost or corrupt, until chatd restarts on a restored or repaired file: one
// log line, the queue failed, and a lost file sealed so that nothing of it
// reaches what is at the path now.
void writer::give_up(error why) {
    if (broken_) return;
    spdlog::error("storage: {}; refusing every line and read until chatd is restarted", why.message);
    const bool lost = why.code != error_code::corrupt;
    broken_ = std::move(why);
    if (retry_timer_ != 0) cancel_timer(std::exchange(retry_timer_, 0));
    fail_front(rows_.size());
    refused_batch_ = 0;
    attempts_ = 0;
    if (lost) store_->seal();
}

// PRAGMA quick_check between batches. Only damage is final: a check that
// could not run (busy, io) is logged and tried again at the next interval.
void writer::on_integrity_check() {
    if (!store_ || broken_) return;
    flush();
    if (broken_) return;
    auto r = store_->quick_check();
    if (r) return;
    note(r.error());
    if (!broken_) spdlog::warn("storage: quick_check could not run: {} ({})", r.error().message, to_string(r.error().code));
}

// The checkpointer copies the WAL back while this thread goes on committing;
// one ask at a time, so a slow disk does not pile up requests. An answer
// that copied nothing (an error, or a reader holding an old snapshot) counts
// as progress too: the next ask waits for checkpoint_pages more. If the
// checkpointer is gone or stuck, the store's own bound still holds the WAL.
void writer::maybe_checkpoint() {
    if (!hooks_.checkpointer || checkpoint_asked_ || stopping_) return;
    const std::uint32_t wal = store_->wal_pages();
    if (wal < checkpointed_pages_) checkpointed_pages_ = 0;  // SQLite started the WAL over
    if (wal - checkpointed_pages_ < opts_.checkpoint_pages) return;
    checkpoint_asked_ = true;
    ask(hooks_.checkpointer, checkpoint_wal{file_}, std::chrono::seconds(60), [this, wal](act::result<checkpoint_done> r) {
        checkpoint_asked_ = false;
        const bool ok = r && r->ok;
        // Counted from what it copied, and never from less than the WAL
        // held when asked: a checkpoint that could not copy it all waits for
        // checkpoint_pages more before the next ask.
        checkpointed_pages_ = std::max(wal, ok ? r->copied_pages : 0U);
        if (ok || (r && r->why.code == error_code::busy)) {
            checkpoint_warned_ = false;
            return;
        }
        if (std::exchange(checkpoint_warned_, true)) return;  // once until one succeeds
        if (!r)
            spdlog::warn("storage: the checkpointer did not answer: {}", act::to_string(r.error()));
        else
            spdlog::warn("storage: {} ({})", r->why.message, to_string(r->why.code));
    });
}

}  // namespace chatd::storage
