#pragma once

// One connection to Redis, over hiredis's blocking context: every call may
// block (up to the timeout), so only actors bound to a thread of their own
// use it. hiredis stays inside redis_link.cpp.

#include "bus/redis_address.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace chatd::bus {

/// A reply, copied out of hiredis: an error or status text, an integer, a
/// string, or an array of strings (pub/sub's messages).
struct redis_reply {
    bool error = false;
    std::string text;
    long long integer = 0;
    std::vector<std::string> items;
};

/// Not thread-safe: one owner (an actor on its own thread).
class redis_link {
public:
    redis_link(redis_address address, std::chrono::milliseconds timeout);
    ~redis_link();
    redis_link(const redis_link&) = delete;
    redis_link& operator=(const redis_link&) = delete;

    /// Connects, blocking up to the timeout. False: error() says why.
    bool connect();
    bool connected() const noexcept { return ctx_ != nullptr; }
    void close();
    const std::string& error() const noexcept { return error_; }

    /// Queues a command (binary-safe arguments) to be sent by flush().
    void append(std::initializer_list<std::string_view> args);
    /// The same, for a number of arguments known only at run time.
    void append_args(const std::vector<std::string>& args);
    /// Sends what append() queued. False: the link broke (and is closed).
    bool flush();
    /// One reply, waiting for it up to the timeout. False: the link broke.
    bool read_one(redis_reply& out);
    /// Every reply that arrives within `wait` (none is fine), each to
    /// `on_reply`. False: the link broke (and is closed).
    bool read_available(std::chrono::milliseconds wait, const std::function<void(redis_reply&)>& on_reply);

private:
    bool fail(std::string why);
    void append_argv(const std::vector<std::string_view>& args);

    redis_address address_;
    std::chrono::milliseconds timeout_;
    redisContext* ctx_ = nullptr;
    std::string error_;
};

}  // namespace chatd::bus
