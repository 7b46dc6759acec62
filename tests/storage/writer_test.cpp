// The storage writer actor: commits as soon as it is idle, batches what
// queued up meanwhile (up to max_batch), acks in order after the commit,
// commits before a read, retries a refused batch in virtual time, gives up
// loudly, and commits what is pending when stopped.
// All but the last test run on the deterministic executor.

#include "writer_fixture.hpp"

#include "act/thread_pool.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

using namespace chatd::storage;
using namespace chatd::storage::test;
using namespace std::chrono_literals;

namespace {

TEST_F(writer_test, a_single_append_on_an_idle_writer_is_committed_without_time_passing) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 7));
    run();  // no time passes: no timer could have fired
    ASSERT_EQ(done_->size(), 1U);
    EXPECT_EQ(done_->front().token, 7U);
    EXPECT_EQ(done_->front().outcome, status::stored);
    EXPECT_EQ(done_->front().seq, 1U);
    EXPECT_EQ(done_->front().ts_ms, 1007);
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{1}));
}

TEST_F(writer_test, appends_that_arrive_during_a_commit_are_committed_together_next) {
    auto h = recorders();
    auto self = std::make_shared<writer::ref_type>();
    // Lines that other rooms send while the first commit runs.
    // Weakly: the writer holds its hooks, so a strong ref here would be a
    // cycle that keeps it alive past the test (LeakSanitizer says so).
    h.on_commit = [c = commits_, weak = std::weak_ptr<writer::ref_type>(self), this](std::size_t n,
                                                                                   std::chrono::nanoseconds) {
        c->push_back(n);
        if (auto w = weak.lock(); w && c->size() == 1)
            for (std::uint64_t t = 2; t <= 4; ++t) w->tell(line("b", std::to_string(t), t));
    };
    *self = spawn_writer(options(), h);
    self->tell(line("a", "1", 1));
    run();
    EXPECT_EQ(tokens_done(), (seq_list{1, 2, 3, 4}));
    EXPECT_EQ(count(status::stored), 4U);
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{1, 3}));
}

TEST_F(writer_test, a_batch_holds_at_most_max_batch_appends) {
    auto o = options();
    o.max_batch = 3;
    auto w = spawn_writer(o);
    for (std::uint64_t t = 1; t <= 7; ++t) w.tell(line("a", std::to_string(t), t));
    run();
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{3, 3, 1}));
}

TEST_F(writer_test, acks_come_in_order_and_a_duplicate_gets_the_original_seq) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 10));
    w.tell(line("a", "2", 11));
    w.tell(line("b", "1", 12));
    w.tell(line("a", "3", 13));
    w.tell(line("a", "2", 14));  // resent within the batch
    advance(2ms);
    w.tell(line("a", "1", 15));  // resent in a later batch
    advance(2ms);

    EXPECT_EQ(tokens_done(), (seq_list{10, 11, 12, 13, 14, 15}));
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 1, 3, 2, 1}));
    EXPECT_EQ(count(status::stored), 4U);
    ASSERT_EQ(done_->size(), 6U);
    EXPECT_EQ((*done_)[4].outcome, status::duplicate);
    EXPECT_EQ((*done_)[4].ts_ms, 1011);  // the original's
    EXPECT_EQ((*done_)[5].outcome, status::duplicate);
    EXPECT_EQ((*done_)[5].ts_ms, 1010);
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{5, 1}));
}

TEST_F(writer_test, a_read_commits_the_pending_batch_first_and_sees_it) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1));
    w.tell(line("a", "2", 2));
    auto history = w.ask(read_history{"a", std::nullopt, 50}, 1s).get();  // no time passes
    ASSERT_TRUE(history.has_value());
    ASSERT_TRUE(history->ok) << history->error;
    EXPECT_EQ(seqs(history->rows), (seq_list{1, 2}));
    run();
    EXPECT_EQ(seqs_done(), (seq_list{1, 2}));

    w.tell(line("a", "3", 3));
    auto since = w.ask(read_since{"a", 2, 10}, 1s).get();
    ASSERT_TRUE(since.has_value() && since->ok);
    ASSERT_EQ(since->rows.messages.size(), 1U);
    EXPECT_EQ(since->rows.messages[0].client_id, "3");

    w.tell(line("a", "4", 4));
    auto last = w.ask(read_last_seq{"a"}, 1s).get();
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(*last, 4U);
    EXPECT_EQ(*w.ask(read_last_seq{"nowhere"}, 1s).get(), 0U);
}

TEST_F(writer_test, a_read_with_a_bad_limit_answers_the_stores_error) {
    auto w = spawn_writer(options());
    auto r = w.ask(read_since{"a", 0, 0}, 1s).get();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok);
    EXPECT_FALSE(r->error.empty());
}

TEST_F(writer_test, a_second_writer_on_the_same_file_continues_the_sequence) {
    auto first = spawn_writer(options());
    first.tell(line("a", "1", 1));
    first.tell(line("a", "2", 2));
    advance(2ms);
    sys_.stop(first);
    run();
    ASSERT_TRUE(first.terminated());

    auto second = spawn_writer(options());
    second.tell(line("a", "3", 3));
    second.tell(line("a", "1", 4));  // stored by the first writer
    advance(2ms);
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3, 1}));
    EXPECT_EQ(done_->back().outcome, status::duplicate);
}

TEST_F(writer_test, a_line_with_an_empty_client_id_fails_alone) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1));
    w.tell(line("a", "", 2));
    w.tell(line("a", "3", 3));
    advance(2ms);
    ASSERT_EQ(tokens_done(), (seq_list{2, 1, 3}));  // refused at once, the others with their batch
    EXPECT_EQ((*done_)[0].outcome, status::failed);
    EXPECT_EQ(seqs_done(), (seq_list{0, 1, 2}));
}

TEST_F(writer_test, a_nul_byte_is_rejected_alone_and_for_good_as_on_postgresql) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1));
    w.tell(append{msg("a", "ann", "2", std::string("cut\0here", 8), 1002), 2, rec_});
    w.tell(line("a", "3", 3));
    advance(2ms);
    ASSERT_EQ(tokens_done(), (seq_list{2, 1, 3}));
    EXPECT_EQ((*done_)[0].outcome, status::rejected);
    EXPECT_EQ((*done_)[0].reason, reject_reason::not_storable);
    EXPECT_EQ(seqs_done(), (seq_list{0, 1, 2}));
}

TEST_F(writer_test, a_refused_batch_is_not_acked_and_is_retried_after_the_backoff) {
    auto w = spawn_writer(impatient());
    auto other = lock_database();
    w.tell(line("a", "1", 1));
    w.tell(line("a", "2", 2));
    run();  // the first attempt meets the lock
    EXPECT_TRUE(done_->empty());
    EXPECT_EQ(*failures_, (std::vector{error_code::busy}));
    EXPECT_FALSE(ready(w));

    w.tell(line("a", "3", 3));  // queues behind the refused batch
    // A read while the batch waits is answered from what is committed, with
    // no extra attempt: nothing of the queue has been acked.
    auto last = w.ask(read_last_seq{"a"}, 1s).get();
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(*last, 0U);
    advance(9ms);
    EXPECT_TRUE(done_->empty());
    EXPECT_EQ(failures_->size(), 1U);  // not retried before the backoff

    ASSERT_TRUE(other.exec("ROLLBACK").has_value());
    advance(1ms);  // 10 ms after the failure
    EXPECT_EQ(tokens_done(), (seq_list{1, 2, 3}));
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3}));
    EXPECT_EQ(count(status::stored), 3U);
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{2, 1}));  // the refused batch as it was, then the rest
    EXPECT_TRUE(ready(w));
}

TEST_F(writer_test, appends_beyond_max_waiting_behind_a_refused_batch_fail_at_once) {
    auto o = impatient();
    o.max_batch = 2;
    o.max_waiting = 3;
    auto w = spawn_writer(o);
    auto other = lock_database();
    w.tell(line("a", "1", 1));
    w.tell(line("a", "2", 2));  // a full batch: refused at once
    run();
    EXPECT_EQ(failures_->size(), 1U);
    w.tell(line("a", "3", 3));  // the third held
    w.tell(line("a", "4", 4));  // one too many
    run();
    ASSERT_EQ(tokens_done(), (seq_list{4}));
    EXPECT_EQ(done_->front().outcome, status::failed);

    ASSERT_TRUE(other.exec("ROLLBACK").has_value());
    advance(10ms);
    EXPECT_EQ(tokens_done(), (seq_list{4, 1, 2, 3}));
    EXPECT_EQ(seqs_done(), (seq_list{0, 1, 2, 3}));
}

TEST_F(writer_test, the_backoff_doubles_and_exhausted_retries_fail_the_batch_until_a_later_success) {
    auto o = impatient();
    o.retry.max_attempts = 3;
    auto w = spawn_writer(o);
    auto other = lock_database();
    w.tell(line("a", "1", 1));
    w.tell(line("a", "2", 2));
    run();          // attempt 1
    advance(10ms);  // attempt 2
    EXPECT_EQ(failures_->size(), 2U);
    advance(19ms);
    EXPECT_EQ(failures_->size(), 2U);  // the second wait is 20 ms
    EXPECT_TRUE(done_->empty());
    advance(1ms);  // attempt 3: the last
    EXPECT_EQ(failures_->size(), 3U);
    EXPECT_EQ(tokens_done(), (seq_list{1, 2}));
    EXPECT_EQ(count(status::failed), 2U);
    EXPECT_FALSE(ready(w));
    advance(1h);
    EXPECT_EQ(failures_->size(), 3U);  // given up: no more attempts

    ASSERT_TRUE(other.exec("ROLLBACK").has_value());
    w.tell(line("a", "3", 3));
    advance(2ms);
    ASSERT_EQ(done_->size(), 3U);
    EXPECT_EQ(done_->back().outcome, status::stored);
    EXPECT_EQ(done_->back().seq, 1U);  // nothing of the failed batch was stored
    EXPECT_TRUE(ready(w));
}

TEST_F(writer_test, an_error_not_worth_retrying_fails_the_batch_at_once) {
    auto w = spawn_writer(options());
    auto other = open_connection({dir_ / "chat.db", 5000ms, {}});
    ASSERT_TRUE(other
                    .exec("CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.room = 'a' "
                          "BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
                    .has_value());
    w.tell(line("a", "1", 1));
    w.tell(line("b", "1", 2));
    advance(2ms);
    EXPECT_EQ(*failures_, (std::vector{error_code::constraint}));
    EXPECT_EQ(count(status::failed), 2U);
    EXPECT_FALSE(ready(w));
    advance(1h);
    EXPECT_EQ(failures_->size(), 1U);
}

// One message a turn, so that a test can stop the writer between two appends.
class writer_one_a_turn_test : public writer_test {
protected:
    writer_one_a_turn_test() : writer_test(act::system_config{.quantum = 1}) {}
};

TEST_F(writer_one_a_turn_test, stopping_commits_the_pending_batch_and_acks_it) {
    auto w = spawn_writer(options());
    w.tell(line("a", "1", 1));
    w.tell(line("b", "1", 2));
    w.tell(line("c", "1", 3));
    ASSERT_TRUE(exec_.run_one());  // the first: held, as others wait behind it
    ASSERT_TRUE(exec_.run_one());  // the second joins it
    EXPECT_TRUE(done_->empty());
    sys_.stop(w);  // taken before the third line
    run();
    ASSERT_TRUE(w.terminated());
    EXPECT_EQ(tokens_done(), (seq_list{1, 2}));
    EXPECT_EQ(count(status::stored), 2U);
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{2}));
    auto store = message_store({dir_ / "chat.db"});
    EXPECT_EQ(store.last_seq("a").value(), 1U);
    EXPECT_EQ(store.last_seq("b").value(), 1U);
}

TEST_F(writer_test, stopping_during_a_retry_makes_one_attempt_and_fails_what_it_cannot_store) {
    auto w = spawn_writer(impatient());
    auto other = lock_database();
    w.tell(line("a", "1", 1));
    advance(2ms);
    w.tell(line("a", "2", 2));
    run();
    ASSERT_TRUE(sys_.shutdown(1s));
    EXPECT_EQ(tokens_done(), (seq_list{1, 2}));
    EXPECT_EQ(count(status::failed), 2U);
    EXPECT_EQ(failures_->size(), 2U);
}

TEST_F(writer_test, stopping_after_the_lock_is_gone_stores_the_refused_batch_and_what_waits_behind_it) {
    auto o = impatient();
    o.max_batch = 2;
    auto w = spawn_writer(o);
    auto other = lock_database();
    w.tell(line("a", "1", 1));
    w.tell(line("a", "2", 2));  // refused
    w.tell(line("a", "3", 3));
    run();
    EXPECT_TRUE(done_->empty());
    ASSERT_TRUE(other.exec("ROLLBACK").has_value());
    ASSERT_TRUE(sys_.shutdown(1s));  // before the retry is due
    EXPECT_EQ(tokens_done(), (seq_list{1, 2, 3}));
    EXPECT_EQ(seqs_done(), (seq_list{1, 2, 3}));
    EXPECT_EQ(*commits_, (std::vector<std::size_t>{2, 1}));
}

TEST_F(writer_test, a_store_that_cannot_open_fails_the_start_and_answers_not_ready) {
    write_file(dir_ / "not-a-folder", "");
    auto o = options();
    o.store.path = dir_ / "not-a-folder" / "chat.db";
    auto failed_starts = std::make_shared<int>(0);
    act::supervisor_options keep;
    keep.decider = [failed_starts](const act::failure&) {
        ++*failed_starts;
        return act::directive::resume;
    };
    auto sup = sys_.spawn_supervisor({}, keep);
    auto w = sys_.spawn<writer>({.parent = sup}, o);
    run();
    EXPECT_EQ(*failed_starts, 1);
    EXPECT_FALSE(ready(w));
    w.tell(line("a", "1", 1));
    run();
    ASSERT_EQ(done_->size(), 1U);
    EXPECT_EQ(done_->front().outcome, status::failed);
    auto r = w.ask(read_since{"a", 0, 10}, 1s).get();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->ok);
}

// ---- on real threads ----------------------------------------------------------

struct post_lines {
    std::size_t left;
};

/// What one room heard, written only in the room's turns and read by the
/// test once `all_done` is set.
struct room_log {
    std::vector<append_done> done;
    std::size_t expected = 0;
    std::promise<void> all_done;
};

/// Like a room: sends its lines to storage a few per turn, hears the acks.
struct fake_room : act::actor<post_lines, append_done> {
    fake_room(std::string name, std::uint64_t first_token, act::ref<append> store, std::shared_ptr<room_log> log)
        : name_(std::move(name)), next_token_(first_token), store_(std::move(store)), log_(std::move(log)) {}
    void handle(const post_lines& p) override {
        const std::size_t now = std::min<std::size_t>(p.left, 25);
        for (std::size_t i = 0; i < now; ++i) {
            const auto token = next_token_++;
            store_.tell(append{msg(name_, "u" + std::to_string(token % 3), std::to_string(token)), token, self()});
        }
        if (p.left > now) self().tell(post_lines{p.left - now});
    }
    void handle(const append_done& d) override {
        log_->done.push_back(d);
        if (log_->done.size() == log_->expected) log_->all_done.set_value();
    }
    std::string name_;
    std::uint64_t next_token_;
    act::ref<append> store_;
    std::shared_ptr<room_log> log_;
};

TEST(writer_threads, four_rooms_append_1000_lines_and_each_hears_every_ack_once_in_order) {
    temp_dir dir;
    act::dedicated_thread storage_thread("storage");
    act::thread_pool pool(2, "rooms");
    act::system sys({.exec = &pool});

    writer_options o;
    o.store.path = dir / "chat.db";
    o.max_batch = 64;
    auto w = sys.spawn<writer>({.exec = &storage_thread, .label = "storage"}, o);

    constexpr std::size_t rooms = 4;
    constexpr std::size_t per_room = 250;
    std::vector<std::shared_ptr<room_log>> logs;
    std::vector<act::ref<post_lines, append_done>> senders;
    for (std::size_t r = 0; r < rooms; ++r) {
        logs.push_back(std::make_shared<room_log>());
        logs.back()->expected = per_room;
        senders.push_back(
            sys.spawn<fake_room>({}, "room" + std::to_string(r), (r + 1) * 1'000'000, act::ref<append>(w), logs.back()));
    }
    for (auto& s : senders) s.tell(post_lines{per_room});

    for (std::size_t r = 0; r < rooms; ++r) {
        auto f = logs[r]->all_done.get_future();
        ASSERT_EQ(f.wait_for(30s), std::future_status::ready) << "room " << r << " heard " << logs[r]->done.size();
        const auto& done = logs[r]->done;
        ASSERT_EQ(done.size(), per_room);
        for (std::size_t i = 0; i < per_room; ++i) {
            EXPECT_EQ(done[i].token, (r + 1) * 1'000'000 + i);  // every token once, in the order sent
            EXPECT_EQ(done[i].outcome, append_done::status::stored);
            EXPECT_EQ(done[i].seq, i + 1);  // the room's own sequence, increasing
        }
    }
    for (std::size_t r = 0; r < rooms; ++r) {
        auto last = w.ask(read_last_seq{"room" + std::to_string(r)}, 30s).get();
        ASSERT_TRUE(last.has_value());
        EXPECT_EQ(*last, per_room);
    }
    EXPECT_TRUE(sys.shutdown(30s));
}

}  // namespace
