// The publisher and subscriber against a real redis-server: a room here
// hears what was published, and after Redis is killed and started again it
// is told to catch up and hears of what is published next, live or as a
// tick, whichever of the publisher and the subscriber is back first.
// The publisher alone, stepped on the deterministic executor: what another
// node hears while rooms keep it busy, and which rooms' ticks it keeps
// while Redis is away.

#include "../actor/fixture.hpp"
#include "act/system.hpp"
#include "act/thread_pool.hpp"
#include "bus/publisher.hpp"
#include "bus/wire.hpp"
#include "bus/subscriber.hpp"
#include "redis_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
namespace chat = chatd::chat;

/// What a room was told by the bus, for the test thread to wait on.
struct heard {
    std::mutex m;
    std::condition_variable changed;
    std::vector<std::string> log;  // "catch_up" or "<seq>:<frame or tick>"

    void add(std::string s) {
        std::lock_guard lock(m);
        log.push_back(std::move(s));
        changed.notify_all();
    }
    /// Waits (bounded) until `what` has been heard `times` times.
    bool wait_for(const std::string& what, std::size_t times = 1) {
        std::unique_lock lock(m);
        return changed.wait_for(lock, 20s, [&] { return std::count(log.begin(), log.end(), what) >= static_cast<long>(times); });
    }
    /// Waits (bounded) until one of `whats` has been heard.
    bool wait_for_any(const std::vector<std::string>& whats) {
        std::unique_lock lock(m);
        return changed.wait_for(lock, 20s, [&] {
            return std::find_first_of(log.begin(), log.end(), whats.begin(), whats.end()) != log.end();
        });
    }
    /// All heard so far, for a failure's message.
    std::string all() {
        std::lock_guard lock(m);
        std::string s;
        for (const auto& x : log) s += "[" + x + "] ";
        return s;
    }
};

class probe_room final : public act::actor<chat::remote_event, chat::bus_catch_up, chat::remote_presence,
                                            chat::presence_snapshot, chat::presence_node_gone> {
public:
    explicit probe_room(std::shared_ptr<heard> h) : h_(std::move(h)) {}
    void handle(const chat::remote_presence& m) override {
        h_->add("presence:" + m.user + (m.here ? ":here" : ":left"));
    }
    void handle(const chat::presence_snapshot& m) override {
        std::string s = "snapshot:";
        for (const auto& [node, user] : m.entries) s += user + ",";
        h_->add(s);
    }
    void handle(const chat::presence_node_gone&) override { h_->add("gone"); }
    void handle(const chat::remote_event& m) override {
        h_->add(std::to_string(m.event.seq) + ":" + (m.event.data ? *m.event.data : std::string("tick")));
    }
    void handle(const chat::bus_catch_up&) override { h_->add("catch_up"); }

private:
    std::shared_ptr<heard> h_;
};

class bus_test : public ::testing::Test {
protected:
    void start_bus() {
        chatd::bus::bus_options o;
        o.address = *chatd::bus::parse_redis_address(redis_.url());
        o.retry = 50ms;
        o.node_id = "self";
        pub_ = sys_.spawn<chatd::bus::publisher>({.exec = &pub_thread_, .label = "bus"}, o);
        sub_ = sys_.spawn<chatd::bus::subscriber>({.exec = &sub_thread_, .label = "bus"}, o);
        room_ = sys_.spawn<probe_room>({.label = "room"}, heard_);
    }
    void publish(std::uint64_t seq, std::string text) {
        pub_.tell(chat::bus_publish{"general", chat::cluster_event{seq, std::make_shared<const std::string>(std::move(text)), {}}});
    }
    ~bus_test() override { sys_.shutdown(10s); }

    chatd::test::redis_server redis_;
    act::thread_pool pool_{1, "test"};
    act::dedicated_thread pub_thread_{"publisher"};
    act::dedicated_thread sub_thread_{"subscriber"};
    act::system sys_{act::system_config{.exec = &pool_}};
    chatd::bus::publisher::ref_type pub_;
    chatd::bus::subscriber::ref_type sub_;
    probe_room::ref_type room_;
    std::shared_ptr<heard> heard_ = std::make_shared<heard>();
};

TEST_F(bus_test, a_watched_room_is_told_to_catch_up_then_hears_what_is_published) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_bus();
    sub_.tell(chat::bus_watch{"general", room_});
    ASSERT_TRUE(heard_->wait_for("catch_up"));
    publish(1, "one");
    publish(2, "two");
    ASSERT_TRUE(heard_->wait_for("2:two"));
    std::lock_guard lock(heard_->m);
    EXPECT_EQ(heard_->log, (std::vector<std::string>{"catch_up", "1:one", "2:two"}));
}

// The publisher and the subscriber reach Redis again each on its own
// retry, so either may be back first: the room may be subscribed again
// while the publisher still has no link. An event published then is
// dropped and heard as a tick once the publisher is back, and the room
// reads the store for it, as it does for 5 after its catch-up. What a
// member notices is that the event reaches the room, not which way.
TEST_F(bus_test, after_redis_comes_back_the_room_catches_up_and_hears_of_each_later_event_live_or_as_a_tick) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_bus();
    sub_.tell(chat::bus_watch{"general", room_});
    ASSERT_TRUE(heard_->wait_for("catch_up"));
    redis_.kill();
    publish(5, "during the outage");  // cannot go out: remembered as a tick, and in the store for the catch-up
    ASSERT_TRUE(redis_.start());
    ASSERT_TRUE(heard_->wait_for("catch_up", 2)) << "not resubscribed after Redis came back: " << heard_->all();
    publish(6, "after");  // live if the publisher is back by now, else the tick of 6, its highest missed
    EXPECT_TRUE(heard_->wait_for_any({"6:after", "6:tick"})) << "the room never heard of 6: " << heard_->all();
}

TEST_F(bus_test, an_event_the_publisher_could_not_publish_is_heard_as_a_tick_once_it_is_back) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_bus();
    sub_.tell(chat::bus_watch{"general", room_});
    ASSERT_TRUE(heard_->wait_for("catch_up"));
    publish(1, "one");
    ASSERT_TRUE(heard_->wait_for("1:one"));
    // Only the publisher's connection is cut (the subscriber's is a pubsub one).
    chatd::bus::redis_link admin(*chatd::bus::parse_redis_address(redis_.url()), 1000ms);
    ASSERT_TRUE(admin.connect());
    admin.append({"CLIENT", "KILL", "TYPE", "normal"});
    chatd::bus::redis_reply r;
    ASSERT_TRUE(admin.flush() && admin.read_one(r));
    publish(2, "lost");
    EXPECT_TRUE(heard_->wait_for("2:tick")) << "the room was never told that 2 exists";
}

TEST_F(bus_test, an_unwatched_room_hears_nothing_more) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_bus();
    sub_.tell(chat::bus_watch{"general", room_});
    ASSERT_TRUE(heard_->wait_for("catch_up"));
    sub_.tell(chat::bus_unwatch{"general", room_.id()});
    // A second room, watched after the first was dropped: its catch-up shows the unwatch was handled.
    auto other = std::make_shared<heard>();
    auto r2 = sys_.spawn<probe_room>({.label = "room"}, other);
    sub_.tell(chat::bus_watch{"other", r2});
    ASSERT_TRUE(other->wait_for("catch_up"));
    publish(1, "to nobody");
    pub_.tell(chat::bus_publish{"other", chat::cluster_event{1, std::make_shared<const std::string>("x"), {}}});
    ASSERT_TRUE(other->wait_for("1:x"));
    std::lock_guard lock(heard_->m);
    EXPECT_EQ(heard_->log, (std::vector<std::string>{"catch_up"}));
}

// ---- the publisher, stepped -------------------------------------------------------

/// The publisher on the deterministic executor, one message a turn, and a
/// client subscribed to rooms' channels, as another node is.
class publisher_test : public act::test::deterministic {
protected:
    publisher_test() : deterministic(act::system_config{.quantum = 1}) {
        opts_.address = *chatd::bus::parse_redis_address(redis_.url());
        opts_.retry = 50ms;
        opts_.node_id = "self";
    }
    ~publisher_test() override { sys_.shutdown(); }  // while Redis is still there

    void spawn_publisher() {
        pub_ = sys_.spawn<chatd::bus::publisher>({.label = "bus"}, opts_);
        run();
    }
    void publish(const std::string& room, std::uint64_t seq) {
        pub_.tell(chat::bus_publish{room, chat::cluster_event{seq, std::make_shared<const std::string>("x"), {}}});
    }
    void subscribe(const std::vector<std::string>& rooms) {
        ASSERT_TRUE(other_.connect());
        for (const auto& room : rooms) other_.append({"SUBSCRIBE", chatd::bus::channel_of(room)});
        ASSERT_TRUE(other_.flush());
        chatd::bus::redis_reply r;
        for (std::size_t i = 0; i < rooms.size(); ++i) ASSERT_TRUE(other_.read_one(r));
    }
    /// The next n messages the subscriber hears, "room:seq" or "room:seq tick"
    /// each; fewer if they do not come within the link's timeout.
    std::vector<std::string> hear(std::size_t n) {
        std::vector<std::string> out;
        chatd::bus::redis_reply r;
        while (out.size() < n && other_.read_one(r)) {
            if (r.items.size() != 3 || r.items[0] != "message") continue;
            const std::string room(chatd::bus::room_of(r.items[1]));
            const auto e = chatd::bus::decode(r.items[2], room);
            if (e) out.push_back(room + ":" + std::to_string(e->seq) + (e->data ? "" : " tick"));
        }
        return out;
    }

    chatd::test::redis_server redis_;
    chatd::bus::bus_options opts_;
    chatd::bus::publisher::ref_type pub_;
    chatd::bus::redis_link other_{*chatd::bus::parse_redis_address(redis_.url()), 5000ms};
};

TEST_F(publisher_test, while_rooms_keep_the_publisher_busy_their_events_still_go_out_max_batch_at_a_time) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    opts_.max_batch = 4;
    spawn_publisher();
    subscribe({"general"});
    for (std::uint64_t seq = 1; seq <= 10; ++seq) publish("general", seq);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(exec_.run_one());  // six still wait in the mailbox
    EXPECT_EQ(hear(4), (std::vector<std::string>{"general:1", "general:2", "general:3", "general:4"}))
        << "the publisher held the rooms' events back for as long as its mailbox was busy";
    run();
    EXPECT_EQ(hear(6).size(), 6u);
}

TEST_F(publisher_test, with_redis_away_the_rooms_that_missed_last_are_the_ones_told_by_a_tick) {
    CHATD_NEEDS_REDIS();
    opts_.max_missed_rooms = 2;
    spawn_publisher();  // Redis is not there yet
    publish("a", 1);
    publish("b", 2);
    publish("c", 3);
    publish("b", 4);
    run();
    ASSERT_TRUE(redis_.start());
    subscribe({"a", "b", "c"});
    advance(opts_.retry);  // the publisher reaches Redis
    EXPECT_EQ(hear(2), (std::vector<std::string>{"b:4 tick", "c:3 tick"}))
        << "the oldest room missed is the one forgotten, as bus_options says";
}

// ---- presence ---------------------------------------------------------------------

/// Another node, written straight into Redis as a chatd node would: its
/// heartbeat (alive for `ttl_ms`, then never again) and its users.
void fake_node(const std::string& url, const std::string& node, long ttl_ms, const std::vector<std::string>& users) {
    chatd::bus::redis_link admin(*chatd::bus::parse_redis_address(url), 1000ms);
    ASSERT_TRUE(admin.connect());
    int n = 0;
    if (ttl_ms > 0) {
        admin.append({"SET", "chatd:node:" + node, "1", "PX", std::to_string(ttl_ms)});
        admin.append({"PUBLISH", chatd::bus::nodes_channel(), chatd::bus::encode_heartbeat(node, ttl_ms)});
        n += 2;
    }
    for (const auto& u : users) {
        admin.append({"SADD", "chatd:presence:general", node + " " + u});
        admin.append({"PUBLISH", chatd::bus::channel_of("general"), chatd::bus::encode_presence(node, u, true)});
        n += 2;
    }
    chatd::bus::redis_reply r;
    ASSERT_TRUE(admin.flush());
    for (int i = 0; i < n; ++i) ASSERT_TRUE(admin.read_one(r));
}

TEST_F(bus_test, another_nodes_user_reaches_the_room_and_leaves_with_its_node_when_its_heartbeat_stops) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_bus();
    sub_.tell(chat::bus_watch{"general", room_});
    ASSERT_TRUE(heard_->wait_for("catch_up"));
    fake_node(redis_.url(), "other.1", 300, {"carol"});
    ASSERT_TRUE(heard_->wait_for("presence:carol:here"));
    EXPECT_TRUE(heard_->wait_for("gone")) << "a node that stopped heartbeating was never taken for gone";
}

TEST_F(bus_test, a_read_answers_who_is_in_the_room_on_the_live_nodes_and_not_this_one) {
    CHATD_NEEDS_REDIS();
    ASSERT_TRUE(redis_.start());
    start_bus();
    sub_.tell(chat::bus_watch{"general", room_});
    ASSERT_TRUE(heard_->wait_for("catch_up"));
    fake_node(redis_.url(), "live.1", 60000, {"dave"});
    fake_node(redis_.url(), "dead.1", 0, {"erin"});  // no key: dead, or its TTL ran out
    pub_.tell(chat::bus_presence{"general", "alice", true});  // this node's own
    pub_.tell(chat::bus_presence_read{"general", {}});
    EXPECT_TRUE(heard_->wait_for("snapshot:dave,"));
}

}  // namespace
