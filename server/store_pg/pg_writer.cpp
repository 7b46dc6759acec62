#include "store_pg/pg_writer.hpp"

#include "storage/event_rules.hpp"  // well_formed(new_room), storable
#include "storage/startup_error.hpp"
#include "storage/writer_replies.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

namespace chatd::store_pg {

namespace {

constexpr const char* down = "PostgreSQL is unreachable; reconnecting";

// Field by field: GCC 12 fails on a braced read_result here.
read_result to_read_result(answer<page> a) {
    read_result out;
    out.ok = a.ok;
    out.rows = std::move(a.value);
    out.error = std::move(a.error);
    return out;
}

}  // namespace

pg_writer::pg_writer(pg_writer_options options, pg_writer_hooks hooks)
    : opts_(std::move(options)), hooks_(std::move(hooks)), reconnect_wait_(opts_.reconnect_backoff) {
    if (opts_.max_batch == 0) throw std::invalid_argument("postgres writer: max_batch must be at least 1");
    if (opts_.retry_attempts == 0) throw std::invalid_argument("postgres writer: retry_attempts must be at least 1");
    opts_.max_waiting = std::max(opts_.max_waiting, opts_.max_batch);
}

// Start-up waits a while for the server (a cluster's nodes may start before
// it); a schema that cannot be migrated stops at once.
void pg_writer::on_start() {
    const auto until = std::chrono::steady_clock::now() + opts_.startup_wait;
    auto wait = std::chrono::milliseconds(100);
    for (;;) {
        std::optional<result<pg_store>> opened;
        try {
            opened.emplace(pg_store::open(opts_.conninfo, opts_.schema_dir));
        } catch (const storage::startup_error& e) {  // the schema folder
            if (hooks_.on_open) hooks_.on_open(&e.error());
            throw;
        }
        if (*opened) {
            store_.emplace(std::move(**opened));
            break;
        }
        const auto& why = opened->error();
        if (why.code != error_code::io || std::chrono::steady_clock::now() + wait > until) {
            spdlog::error("storage: cannot use PostgreSQL: {}", why.message);
            if (hooks_.on_open) hooks_.on_open(&why);
            throw storage::startup_error(why);
        }
        spdlog::warn("storage: PostgreSQL not reachable yet ({}); trying again", why.message);
        std::this_thread::sleep_for(wait);  // start-up only, on the writer's own thread
        wait = std::min(wait * 2, std::chrono::milliseconds(2000));
    }
    if (hooks_.on_open) hooks_.on_open(nullptr);
    spdlog::info("storage: using PostgreSQL (schema version {})", store_->schema_version());
}

void pg_writer::on_stop() {
    stopping_ = true;  // one attempt per batch, and no reconnecting
    retry_timer_ = 0;  // the runtime has cancelled the timers
    reconnect_timer_ = 0;
    while (!rows_.empty() && store_) {
        refused_batch_ = 0;
        commit_front();
    }
    fail_front(rows_.size(), "not stored: chatd is stopping");
    store_.reset();
}

void pg_writer::handle(const append& m) { admit(m.row, append_reply{m.token, m.reply_to}); }

void pg_writer::handle(const create_room& m, act::promise<answer<create_outcome>> reply) {
    admit(m.room, std::move(reply));
}

void pg_writer::handle(const mark_read& m, act::promise<answer<mark_outcome>> reply) {
    admit(m.mark, std::move(reply));
}

// Queues w (committed when the mailbox is empty or the batch is full), or
// answers it failed at once.
void pg_writer::admit(write_op w, waiting_reply reply) {
    if (!store_) {
        refuse(reply, down);
    } else if (!std::visit([](const auto& x) { return well_formed(x); }, w)) {
        spdlog::warn("storage: refused a write that is not well formed (an empty room, sender or client id, an event "
                     "without its target or subject, or a room that cannot be created)");
        refuse(reply, "not well formed");
    } else if (!std::visit([](const auto& x) { return storable(x); }, w)) {
        // PostgreSQL's text holds no NUL (libpq would cut the value at it):
        // refused alone and for good, so its sender does not resend it.
        spdlog::warn("storage: refused a write holding a NUL byte");
        refuse(reply, "holds a NUL byte, which cannot be stored", reject_reason::not_storable);
    } else if (retrying() && rows_.size() >= opts_.max_waiting) {
        refuse(reply, "storage is retrying a refused batch and its queue is full");
    } else {
        rows_.push_back(std::move(w));
        replies_.push_back(std::move(reply));
        if (rows_.size() >= opts_.max_batch) {
            flush();
            return;
        }
    }
    flush_if_idle();
}

void pg_writer::refuse(waiting_reply& reply, const std::string& why, reject_reason reason) {
    std::visit(
        [&](auto& r) {
            if constexpr (std::is_same_v<std::decay_t<decltype(r)>, append_reply>) {
                const auto status = reason == reject_reason::none ? append_done::status::failed
                                                                  : append_done::status::rejected;
                storage::tell(r.reply_to, {r.token, status, 0, 0, reason});
            } else {
                refuse_promise(r, why);
            }
        },
        reply);
}

read_result pg_writer::handle(const read_history& m) {
    return to_read_result(read<page>([&](pg_store& s) { return s.history(m.room, m.before, m.limit); }));
}

read_result pg_writer::handle(const read_since& m) {
    return to_read_result(read<page>([&](pg_store& s) { return s.since(m.room, m.after, m.limit); }));
}

std::uint64_t pg_writer::handle(const read_last_seq& m) {
    auto a = read<std::uint64_t>([&](pg_store& s) { return s.last_seq(m.room); });
    if (!a.ok) spdlog::warn("storage: last seq of room '{}': {}", m.room, a.error);
    return a.value;
}

answer<room_state> pg_writer::handle(const read_room& m) {
    return read<room_state>([&](pg_store& s) { return s.room(m.room); });
}

// Not inlined: GCC 12 at -O3 fails with an internal compiler error when
// this is inlined into the actor's dispatch.
[[gnu::noinline]] answer<std::vector<user_room>> pg_writer::handle(const read_user_rooms& m) {
    return read<std::vector<user_room>>([&](pg_store& s) { return s.rooms_of(m.user, m.only_room); });
}

// Not inlined, as read_user_rooms above (the same internal compiler error).
[[gnu::noinline]] answer<room_list> pg_writer::handle(const list_rooms& m) {
    return read<room_list>([&](pg_store& s) { return s.rooms(m.after, m.limit, m.kind); });
}

// A read after the pending writes are committed.
template <class T, class Read>
answer<T> pg_writer::read(Read&& from_store) {
    answer<T> out;
    flush();
    if (!store_) {
        out.error = down;
        return out;
    }
    auto r = from_store(*store_);
    if (!r) {
        seen(r.error());
        out.error = std::move(r).error().message;
        return out;
    }
    out.ok = true;
    out.value = std::move(r).value();
    return out;
}

// A round trip, so an idle node notices a server that went away. Whether
// the server answers now, not how the last batch went: after a batch given
// up for its own sake (a conflict retried to the end, a row the server
// refused) on a connection that is fine, the node is ready again at once,
// rather than out of the balancer until some client happens to write.
bool pg_writer::handle(const check_ready&) {
    flush_if_idle();
    if (!store_) return false;
    auto r = store_->check();
    if (r) return true;
    seen(r.error());
    spdlog::warn("storage: not ready: {}", r.error().message);
    return false;
}

void pg_writer::flush() {
    while (!rows_.empty() && !retrying() && store_) commit_front();
}

void pg_writer::flush_if_idle() {
    if (self_cell().mailbox_waiting() == 0) flush();
}

// One attempt at the front batch: answered and dropped when it commits or
// fails for good; kept, with a timer, when worth retrying.
void pg_writer::commit_front() {
    const std::size_t n = refused_batch_ != 0 ? refused_batch_ : std::min(rows_.size(), opts_.max_batch);
    const auto start = std::chrono::steady_clock::now();
    auto r = store_->write_batch(std::span<const write_op>(rows_.data(), n));
    if (r) {
        if (hooks_.on_commit)
            hooks_.on_commit(n, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start));
        if (attempts_ != 0) spdlog::info("storage: a batch of {} was stored after {} failed attempts", n, attempts_);
        refused_batch_ = 0;
        attempts_ = 0;
        answer_front(*r);
        return;
    }
    const error why = std::move(r).error();
    if (hooks_.on_failure) hooks_.on_failure(why);
    ++attempts_;
    if (why.code == error_code::busy && attempts_ < opts_.retry_attempts && !store_->lost() && !stopping_) {
        if (attempts_ == 1) spdlog::warn("storage: a batch of {} was refused ({}); retrying", n, why.message);
        refused_batch_ = n;
        act::duration wait = opts_.retry_backoff;
        for (std::uint32_t i = 1; i < attempts_; ++i) wait *= 2;
        retry_timer_ = self_cell().add_timer(wait, false, [this] {
            retry_timer_ = 0;
            flush();
        });
        return;
    }
    spdlog::error("storage: gave up on a batch of {} after {} attempt(s): {}", n, attempts_, why.message);
    refused_batch_ = 0;
    attempts_ = 0;
    fail_front(n, "not stored: " + why.message);
    seen(why);
}

void pg_writer::answer_front(std::vector<write_outcome>& outcomes) {
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        std::visit(
            [&](auto& reply) {
                using reply_type = std::decay_t<decltype(reply)>;
                if constexpr (std::is_same_v<reply_type, append_reply>) {
                    const auto& o = std::get<append_outcome>(outcomes[i]);
                    storage::tell(reply.reply_to, {reply.token, to_status(o.status), o.seq, o.ts_ms, o.reason});
                } else if constexpr (std::is_same_v<reply_type, act::promise<answer<create_outcome>>>) {
                    answer_ok(reply, std::get<create_outcome>(std::move(outcomes[i])));
                } else {
                    answer_ok(reply, std::get<mark_outcome>(outcomes[i]));
                }
            },
            replies_[i]);
    }
    const auto n = static_cast<std::ptrdiff_t>(outcomes.size());
    rows_.erase(rows_.begin(), rows_.begin() + n);
    replies_.erase(replies_.begin(), replies_.begin() + n);
}

void pg_writer::fail_front(std::size_t n, const std::string& why) {
    for (std::size_t i = 0; i < n; ++i) refuse(replies_[i], why);
    rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(n));
    replies_.erase(replies_.begin(), replies_.begin() + static_cast<std::ptrdiff_t>(n));
}

// Every failure passes here: a lost connection takes the store down.
void pg_writer::seen(const error& e) {
    if (store_ && store_->lost()) lose(e);
}

// Everything queued is answered failed (its senders resend), and a new
// connection is tried after a backoff.
void pg_writer::lose(const error& why) {
    spdlog::error("storage: {}; refusing lines until PostgreSQL is back", why.message);
    store_.reset();
    if (retry_timer_ != 0) cancel_timer(std::exchange(retry_timer_, 0));
    refused_batch_ = 0;
    attempts_ = 0;
    fail_front(rows_.size(), down);
    reconnect_wait_ = opts_.reconnect_backoff;
    if (reconnect_timer_ == 0 && !stopping_) reconnect_timer_ = self_cell().add_timer(reconnect_wait_, false, [this] { on_reconnect(); });
}

void pg_writer::on_reconnect() {
    reconnect_timer_ = 0;
    auto opened = pg_store::open(opts_.conninfo, opts_.schema_dir);
    if (opened) {
        store_.emplace(std::move(*opened));
        spdlog::info("storage: reconnected to PostgreSQL");
        return;
    }
    reconnect_wait_ = std::min(reconnect_wait_ * 2, opts_.reconnect_max);
    spdlog::debug("storage: PostgreSQL still unreachable: {}", opened.error().message);
    reconnect_timer_ = self_cell().add_timer(reconnect_wait_, false, [this] { on_reconnect(); });
}

}  // namespace chatd::store_pg
