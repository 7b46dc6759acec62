// The distributed-counter pattern on chatd's actor core.
//
// A counter service keyed by name: `increment` is a tell, `get` is an ask.
// The service is a router; each name lives in its own shard actor, spawned on
// first use under a supervisor (one_for_one, at most 3 restarts in 5 s). The
// program injects a failure into one shard: its handler throws, the runtime
// catches it, the supervisor restarts that shard with fresh state, and the
// other shards keep their counts. Run it: ./build/examples/counter_service

#include "act/system.hpp"
#include "act/thread_pool.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

namespace {

using namespace std::chrono_literals;

// ---- messages: plain immutable structs --------------------------------------

struct increment {
    std::string key;
    std::int64_t by = 1;
};
struct get {
    using reply = std::int64_t;
    static constexpr bool replies_later = true;  // the router answers after asking a shard
    std::string key;
};
struct inject_failure {
    std::string key;
};

// What a shard understands: one counter.
struct add {
    std::int64_t by;
};
struct value {
    using reply = std::int64_t;
};
struct crash {};

// ---- a shard: the count for one name -----------------------------------------

class shard : public act::actor<add, value, crash> {
public:
    explicit shard(std::string key) : key_(std::move(key)) {}

    void on_restart(const act::failure& why) override {
        std::printf("  [%s] restarted after: %s (count starts again at 0)\n", key_.c_str(), why.what.c_str());
    }
    void handle(const add& a) override { count_ += a.by; }
    std::int64_t handle(const value&) override { return count_; }
    void handle(const crash&) override { throw std::runtime_error("injected failure in shard " + key_); }

private:
    std::string key_;
    std::int64_t count_ = 0;
};

// ---- the service: routes each name to its shard -----------------------------

class counter_service : public act::actor<increment, get, inject_failure> {
public:
    explicit counter_service(act::supervisor_ref shards) : shards_(std::move(shards)) {}

    void handle(const increment& m) override { shard_for(m.key).tell(add{m.by}); }

    void handle(const get& m, act::promise<std::int64_t> reply) override {
        // Ask the shard without blocking this actor's thread; answer when it does.
        ask(shard_for(m.key), value{}, 1s, [reply = std::move(reply)](act::result<std::int64_t> r) mutable {
            if (r)
                reply.deliver(*r);
            else
                reply.fail(r.error());
        });
    }

    void handle(const inject_failure& m) override { shard_for(m.key).tell(crash{}); }

private:
    shard::ref_type& shard_for(const std::string& key) {
        auto it = shards_by_key_.find(key);
        if (it == shards_by_key_.end()) {
            act::spawn_options o{.parent = shards_, .label = "shard"};
            it = shards_by_key_.emplace(key, sys().spawn<shard>(o, key)).first;
        }
        return it->second;
    }

    act::supervisor_ref shards_;
    std::map<std::string, shard::ref_type> shards_by_key_;
};

std::int64_t read(const counter_service::ref_type& service, const std::string& key) {
    auto r = service.ask(get{key}, 1s).get();
    if (!r) throw std::runtime_error("get " + key + " failed: " + std::string(act::to_string(r.error())));
    return *r;
}

}  // namespace

int main() {
    act::thread_pool pool(2, "counters");
    act::system sys({.exec = &pool});

    auto shards = sys.spawn_supervisor({.label = "shards"}, {.how = act::strategy::one_for_one,
                                                             .max_restarts = 3,
                                                             .within = 5s});
    auto service = sys.spawn<counter_service>({.name = "counters", .label = "service"}, shards);

    std::printf("counting: alice +3, bob +5\n");
    for (int i = 0; i < 3; ++i) service.tell(increment{"alice"});
    service.tell(increment{"bob", 5});
    std::printf("  alice = %lld, bob = %lld\n", static_cast<long long>(read(service, "alice")),
                static_cast<long long>(read(service, "bob")));

    std::printf("injecting a failure into bob's shard\n");
    service.tell(inject_failure{"bob"});
    service.tell(increment{"bob", 2});  // queued behind the failure; handled by the fresh shard
    std::printf("  alice = %lld (untouched), bob = %lld (fresh state + 2)\n",
                static_cast<long long>(read(service, "alice")), static_cast<long long>(read(service, "bob")));

    // The same service, found by name, and what the runtime counted.
    auto by_name = sys.lookup<act::ref<increment, get>>("counters");
    std::printf("lookup(\"counters\") %s\n", by_name ? "found the service" : "failed");
    for (const auto& a : sys.snapshot().actors)
        if (std::string(a.label) == "shard")
            std::printf("  shard actor %llu: handled %llu messages, restarts %u\n",
                        static_cast<unsigned long long>(a.id), static_cast<unsigned long long>(a.handled),
                        a.restarts);

    const bool clean = sys.shutdown(5s);
    std::printf("shutdown %s\n", clean ? "complete: every actor stopped" : "timed out");
    return clean ? 0 : 1;
}
