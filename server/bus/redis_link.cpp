#include "bus/redis_link.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <utility>

namespace chatd::bus {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

void copy_reply(const redisReply& r, redis_reply& out) {
    out = {};
    switch (r.type) {
        case REDIS_REPLY_ERROR: out.error = true; [[fallthrough]];
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_STRING: out.text.assign(r.str, r.len); break;
        case REDIS_REPLY_INTEGER: out.integer = r.integer; break;
        case REDIS_REPLY_ARRAY:
            for (std::size_t i = 0; i < r.elements; ++i) {
                const redisReply* e = r.element[i];
                if (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS) out.items.emplace_back(e->str, e->len);
                else if (e->type == REDIS_REPLY_INTEGER) out.items.push_back(std::to_string(e->integer));
                else out.items.emplace_back();
            }
            break;
        default: break;
    }
}

}  // namespace

redis_link::redis_link(redis_address address, std::chrono::milliseconds timeout)
    : address_(std::move(address)), timeout_(timeout) {}

redis_link::~redis_link() { close(); }

bool redis_link::connect() {
    close();
    ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, to_timeval(timeout_));
    if (ctx_ == nullptr) return fail("out of memory");
    if (ctx_->err != 0) return fail(ctx_->errstr);
    if (redisSetTimeout(ctx_, to_timeval(timeout_)) != REDIS_OK) return fail(ctx_->errstr);
    error_.clear();
    return true;
}

void redis_link::close() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
}

bool redis_link::fail(std::string why) {
    error_ = address_.to_string() + ": " + std::move(why);
    close();
    return false;
}

void redis_link::append(std::initializer_list<std::string_view> args) {
    append_argv(std::vector<std::string_view>(args));
}

void redis_link::append_args(const std::vector<std::string>& args) {
    append_argv(std::vector<std::string_view>(args.begin(), args.end()));
}

void redis_link::append_argv(const std::vector<std::string_view>& args) {
    if (ctx_ == nullptr) return;
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (auto a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data());
}

bool redis_link::flush() {
    if (ctx_ == nullptr) return false;
    int done = 0;
    while (done == 0)
        if (redisBufferWrite(ctx_, &done) != REDIS_OK) return fail(ctx_->errstr);
    return true;
}

bool redis_link::read_one(redis_reply& out) {
    if (ctx_ == nullptr) return false;
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) return fail(ctx_->errstr);
    copy_reply(*static_cast<redisReply*>(raw), out);
    freeReplyObject(raw);
    return true;
}

bool redis_link::read_available(std::chrono::milliseconds wait, const std::function<void(redis_reply&)>& on_reply) {
    if (ctx_ == nullptr) return false;
    redis_reply r;
    auto drain = [&]() -> bool {
        for (;;) {
            void* raw = nullptr;
            if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) return fail(ctx_->errstr);
            if (raw == nullptr) return true;
            copy_reply(*static_cast<redisReply*>(raw), r);
            freeReplyObject(raw);
            on_reply(r);
        }
    };
    if (!drain()) return false;  // replies read with an earlier batch
    pollfd p{ctx_->fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (n < 0) return errno == EINTR ? true : fail("poll failed");
    if (n == 0) return true;
    if ((p.revents & (POLLERR | POLLNVAL)) != 0) return fail("connection error");
    if (redisBufferRead(ctx_) != REDIS_OK) return fail(ctx_->errstr);
    return drain();
}

}  // namespace chatd::bus
