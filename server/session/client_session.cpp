#include "session/client_session.hpp"

#include "auth/jwt.hpp"
#include "protocol/decoder.hpp"
#include "protocol/encoder.hpp"
#include "protocol/events.hpp"
#include "session/history_reply.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>

namespace chatd::session {

namespace {
// One decoder per thread rather than per connection: its simdjson parser and
// buffers take about 3 KB, which was a quarter of an idle connection's memory.
// A session decodes only inside its own turn and a turn never yields, so one
// thread's decoder is never used by two sessions at once.
protocol::decoder& thread_decoder(const protocol::limits& l) {
    thread_local std::optional<protocol::decoder> d;
    if (!d || !(d->config() == l)) d.emplace(l);
    return *d;
}

// On a server that takes both tokens and guests, a guest's user name gets
// this prefix and no token's `sub` may start with it, so a guest can never
// pass for a signed-in user (dedupe keys lines by sender: a guest posing as
// "alice" could otherwise swallow alice's lines). Guests-only servers have one
// namespace and leave names as given.
constexpr std::string_view guest_prefix = "guest:";

// The longest a token-expiry timer waits before it looks again: a token may
// expire centuries ahead, further than a steady-clock time point can go.
constexpr auto longest_expiry_wait = std::chrono::hours(24);

// Frames held while identify's room list is read: a client that sends on
// without waiting is served in order, up to this many.
constexpr std::size_t max_held_frames = 64;

// One answer for a room that does not exist and one the user may not see
// (the room actor's words too).
constexpr std::string_view no_such_room = "no such room";

std::int64_t wall_clock_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

client_session::client_session(std::shared_ptr<transport::connection> conn, std::shared_ptr<const session_context> ctx)
    : conn_(std::move(conn)),
      ctx_(std::move(ctx)),
      tokens_(static_cast<float>(cfg().rate_burst)),
      room_creations_(static_cast<float>(cfg().room_creations_per_minute)) {}

void client_session::on_stop() {
    if (listed_) ctx_->users->remove(user_, id());
    // Orderly shutdown (or this session failed): the frames already queued
    // are written, then the close frame.
    if (conn_) conn_->close(close_code::going_away, "going away");
}

// ---- from the connection ----------------------------------------------------

void client_session::handle(const frame_in& f) {
    if (held_) {
        if (held_->size() < max_held_frames) return held_->push_back(f.text);
        return fail({}, protocol::error_code::rate_limited, "wait for identified before sending more");
    }
    auto decoded = thread_decoder(cfg().limits).decode(f.text);
    if (!decoded) {
        // A frame that is no request costs a token like one that is: garbage
        // must not be a way around the rate limit.
        if (!admit(decoded.error().id, false)) return;
        if (ctx_->metrics != nullptr) ctx_->metrics->count_rejected(decoded.error().code);
        write(protocol::encode(decoded.error()));
        return;
    }
    on_request(decoded.value());
}

void client_session::handle(const connection_closed& c) {
    spdlog::info("connection {} from {} closed: {}", conn_->id(), conn_->remote(), c.detail);
    stop();  // rooms see the session go (they monitor it) and tell the others
}

// ---- from rooms ---------------------------------------------------------------

void client_session::handle(const chat::deliver& d) {
    if (auto it = find_room(d.room); it != rooms_.end()) {
        it->joined = true;
        if (d.seq > it->last_seq) it->last_seq = d.seq;
    }
    conn_->send(d.data);  // false: closing, or over budget and being closed for it
}

void client_session::handle(const chat::room_reset& r) {
    auto it = find_room(r.room);
    if (it == rooms_.end()) return;
    // The room restarted without its members: join again from the last
    // line seen; the replay fills the gap, so the client sees no loss.
    it->room.tell(chat::join{id(), user_, chat::session_ref(self()), {}, it->last_seq, guest_, {}, granted_role(r.room)});
}

void client_session::handle(const chat::unsubscribed& u) {
    // A join refused, or the user removed or banned: not in the room any more.
    if (auto it = find_room(u.room); it != rooms_.end()) rooms_.erase(it);
    conn_->send(u.data);
}

// ---- from the user directory (other sessions, app/) -------------------------

void client_session::handle(const user_push& p) {
    // The directory files users by a hash of the name: a push may name another user.
    if (user_.empty() || user_ != p.user) return;
    if (const auto* data = std::get_if<chat::frame>(&p.what)) {
        conn_->send(*data);
        return;
    }
    const auto& c = std::get<close_connection>(p.what);
    spdlog::info("connection {} from {} of {} closed: {}", conn_->id(), conn_->remote(), user_, c.reason);
    if (c.closed) c.closed->fetch_add(1, std::memory_order_relaxed);
    conn_->close(c.code, c.reason);  // its on_closed stops this session
}

// ---- requests -----------------------------------------------------------------

void client_session::on_request(const protocol::request& r) {
    // typing over the limit is dropped quietly
    if (!admit(r.id, std::holds_alternative<protocol::typing_request>(r.body))) return;
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, protocol::ping_request>) {
                write(protocol::encode(protocol::pong_event{r.id}));
            } else if constexpr (std::is_same_v<T, protocol::identify_request>) {
                identify(r.id, m);
            } else if (user_.empty()) {
                fail(r.id, protocol::error_code::not_identified, "identify first");
            } else if constexpr (std::is_same_v<T, protocol::join_request>) {
                join(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::leave_request>) {
                leave(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::send_request>) {
                send(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::history_request>) {
                history(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::typing_request>) {
                typing(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::member_change_request> ||
                                 std::is_same_v<T, protocol::set_topic_request> ||
                                 std::is_same_v<T, protocol::line_change_request>) {
                change(r.id, m.room, m);
            } else if constexpr (std::is_same_v<T, protocol::members_request>) {
                members(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::create_room_request>) {
                create_room(r.id, m);
            } else if constexpr (std::is_same_v<T, protocol::open_direct_request>) {
                open_direct(r.id, m);
            } else {
                static_assert(std::is_same_v<T, protocol::read_request>);
                read(r.id, m);
            }
        },
        r.body);
}

void client_session::identify(const protocol::request_id& id, const protocol::identify_request& m) {
    // Once identified, only a token user may identify again, with a fresh
    // token for the same user (to move its expiry; checked below).
    if (!user_.empty() && (m.guest() || expiry_timer_ == 0))
        return fail(id, protocol::error_code::already_identified, "already identified");
    if (m.guest()) {
        if (!cfg().allow_guests) return fail(id, protocol::error_code::guests_not_allowed, "sign in with a token");
        if (!cfg().tokens_accepted() && m.name == system_user)
            return fail(id, protocol::error_code::invalid_field, "the name \"system\" is the server's");
        user_ = cfg().tokens_accepted() ? std::string(guest_prefix) + m.name : m.name;
        guest_ = true;
        return signed_in(id);
    }
    if (!cfg().tokens_accepted())
        return fail(id, protocol::error_code::auth_failed, "token sign-in is not configured on this server");
    auto verified = auth::verify_jwt(m.token, cfg().jwt_secret, cfg().jwks.get(), ctx_->wall_clock());
    if (!verified) return fail(id, protocol::error_code::auth_failed, auth::to_string(verified.error()));
    auto& claims = *verified;
    if (claims.subject.starts_with(guest_prefix))
        return fail(id, protocol::error_code::auth_failed, "a token's sub may not start with \"guest:\"");
    if (claims.subject == system_user)
        return fail(id, protocol::error_code::auth_failed, "a token's sub may not be \"system\": it is the server's");
    if (!user_.empty() && claims.subject != user_)
        return fail(id, protocol::error_code::already_identified, "already identified as another user");
    user_ = std::move(claims.subject);
    arm_token_expiry(claims.expires);
    grants_.reset(claims.rooms.empty() ? nullptr : new std::vector<auth::room_grant>(std::move(claims.rooms)));
    signed_in(id);
}

// Identified: listed among the user's sessions, and answered `identified`,
// with the rooms the user is a member of when the server serves rooms.
void client_session::signed_in(const protocol::request_id& id) {
    if (ctx_->users != nullptr && !listed_) {  // a second identify is of the same user
        ctx_->users->add(user_, push_ref(self()));
        listed_ = true;
    }
    if (!cfg().limits.product_requests)
        return write(protocol::encode(protocol::identified_event{id, user_, guest_}));
    held_ = std::make_unique<std::vector<std::string>>();
    ask(ctx_->storage, storage::read_user_rooms{user_}, cfg().ask_timeout,
        [this, id](act::result<storage::answer<std::vector<storage::user_room>>> r) {
            std::vector<protocol::room_summary> rooms;
            protocol::identified_event e{id, user_, guest_};
            if (r && r->ok) {
                rooms.reserve(r->value.size());
                for (const auto& u : r->value)
                    rooms.push_back(
                        protocol::room_summary{u.room, u.kind, u.topic, u.last_seq, u.read, u.unread, u.mentions});
                e.rooms = rooms;
            } else {
                // Signed in all the same: "rooms" is left out, and joins
                // still tell each room's counts.
                spdlog::warn("connection {}: the rooms of {} could not be read", conn_->id(), user_);
            }
            write(protocol::encode(e));
            release_held();
        });
}

void client_session::release_held() {
    auto held = std::move(held_);
    if (!held) return;
    for (std::size_t i = 0; i < held->size(); ++i) {
        if (held_) {  // a held identify is reading the rooms again: hold the rest behind it
            held_->insert(held_->end(), std::make_move_iterator(held->begin() + static_cast<std::ptrdiff_t>(i)),
                          std::make_move_iterator(held->end()));
            return;
        }
        handle(frame_in{std::move((*held)[i])});
    }
}

void client_session::join(const protocol::request_id& id, const protocol::join_request& m) {
    if (find_room(m.room) == rooms_.end() && rooms_.size() >= cfg().max_rooms)
        return fail(id, protocol::error_code::too_many_rooms, "in too many rooms");
    if (!cfg().limits.product_requests) return open(id, m, std::nullopt);
    // `joined` tells the user's read marker and unread counts. They come
    // from the user's own rooms, so a room it is not a member of says
    // nothing here; the room decides the join.
    ask(ctx_->storage, storage::read_user_rooms{user_, m.room}, cfg().ask_timeout,
        [this, id, m](act::result<storage::answer<std::vector<storage::user_room>>> r) {
            std::optional<chat::read_counts> counts;
            if (r && r->ok && !r->value.empty())
                counts = chat::read_counts{r->value.front().read, r->value.front().unread, r->value.front().mentions};
            open(id, m, counts);
        });
}

void client_session::open(const protocol::request_id& id, const protocol::join_request& m,
                          std::optional<chat::read_counts> counts) {
    // Starting a room that is not running spends one of this connection's
    // room creations; the lobby hands it back when the room was running.
    const bool may_create = room_creations_ >= 1.0F;
    if (may_create) room_creations_ -= 1.0F;
    chat::join j{this->id(), user_, chat::session_ref(self()), id, m.since, guest_, counts, granted_role(m.room)};
    ask(ctx_->lobby, chat::open_room{m.room, std::move(j), may_create}, cfg().ask_timeout,
        [this, id, m, may_create](act::result<chat::open_result> r) {
            if (may_create && !(r && r->created))
                room_creations_ = std::min(room_creations_ + 1.0F, static_cast<float>(cfg().room_creations_per_minute));
            if (r && r->refused)
                return fail(id, protocol::error_code::rate_limited, "too many new rooms; join one that exists or wait");
            if (!r || !r->room.valid()) return fail(id, protocol::error_code::unavailable, "the room is not available");
            // The lobby has passed the join on to the room.
            auto it = find_room(m.room);
            if (it == rooms_.end()) it = rooms_.insert(rooms_.end(), membership{m.room, {}, 0, false});
            it->room = r->room;
        });
}

void client_session::leave(const protocol::request_id& id, const protocol::leave_request& m) {
    auto it = find_room(m.room);
    if (it == rooms_.end()) return fail(id, protocol::error_code::not_in_room, "not in that room");
    it->room.tell(chat::leave{this->id(), id, m.forget});
    rooms_.erase(it);
}

void client_session::send(const protocol::request_id& id, const protocol::send_request& m) {
    auto it = find_room(m.room);
    if (it == rooms_.end()) return fail(id, protocol::error_code::not_in_room, "join the room first");
    if (it->room.tell(chat::post{this->id(), user_, m.client_id, m.text, id, wall_clock_ms()}) !=
        act::send_status::ok)
        return fail(id, protocol::error_code::unavailable, "the room is overloaded; retry with the same client_id");
    if (ctx_->metrics != nullptr) chat::bump(ctx_->metrics->received);
}

void client_session::history(const protocol::request_id& id, const protocol::history_request& m) {
    if (!admitted(m.room)) return fail(id, protocol::error_code::not_in_room, "join the room first");
    ask(ctx_->storage, storage::read_history{m.room, m.before, m.limit}, cfg().ask_timeout,
        [this, id, room = m.room](act::result<storage::read_result> r) {
            if (!r || !r->ok) return fail(id, protocol::error_code::unavailable, "history is not available now");
            write(encode_history(id, room, *r, cfg().max_history_reply_bytes));
        });
}

void client_session::read(const protocol::request_id& id, const protocol::read_request& m) {
    if (!admitted(m.room)) return fail(id, protocol::error_code::not_in_room, "join the room first");
    ask(ctx_->storage, storage::mark_read{storage::read_mark{user_, m.room, m.seq, wall_clock_ms()}}, cfg().ask_timeout,
        [this, id, room = m.room](act::result<storage::answer<storage::mark_outcome>> r) {
            if (!r || !r->ok) return fail(id, protocol::error_code::unavailable, "the marker was not stored; send it again");
            const storage::mark_outcome& o = r->value;
            if (!o.found) return fail(id, protocol::error_code::not_found, no_such_room);
            write(protocol::encode(protocol::read_ok_event{id, room, o.seq, o.unread, o.mentions}));
            // The same counts on every device of the user.
            if (ctx_->users != nullptr)
                ctx_->users->tell_others(user_, this->id(),
                                         std::make_shared<const std::string>(protocol::encode(
                                             protocol::marker_event{room, o.seq, o.unread, o.mentions})));
        });
}

void client_session::typing(const protocol::request_id& id, const protocol::typing_request& m) {
    auto it = find_room(m.room);
    if (it == rooms_.end()) return fail(id, protocol::error_code::not_in_room, "join the room first");
    it->room.tell(chat::typing{this->id()});
}

void client_session::change(const protocol::request_id& id, const std::string& room, chat::change::body_type body) {
    auto it = find_room(room);
    if (it == rooms_.end()) return fail(id, protocol::error_code::not_in_room, "join the room first");
    if (it->room.tell(chat::change{this->id(), user_, guest_, id, wall_clock_ms(), std::move(body)}) !=
        act::send_status::ok)
        return fail(id, protocol::error_code::unavailable, "the room is overloaded; retry with the same client_id");
}

void client_session::members(const protocol::request_id& id, const protocol::members_request& m) {
    auto it = find_room(m.room);
    if (it == rooms_.end()) return fail(id, protocol::error_code::not_in_room, "join the room first");
    it->room.tell(chat::list_members{this->id(), id});
}

// ---- rooms made by request ------------------------------------------------------

void client_session::create_room(const protocol::request_id& id, const protocol::create_room_request& m) {
    if (guest_) return fail(id, protocol::error_code::forbidden, "guests may only use public rooms");
    make_room(id, storage::new_room{m.kind, m.room, user_, m.topic, {}, wall_clock_ms()});
}

void client_session::open_direct(const protocol::request_id& id, const protocol::open_direct_request& m) {
    if (guest_) return fail(id, protocol::error_code::forbidden, "guests may only use public rooms");
    std::vector<std::string> users = m.users;
    if (std::find(users.begin(), users.end(), user_) == users.end()) users.push_back(user_);
    if (users.size() < 2 || users.size() > protocol::max_direct_users)
        return fail(id, protocol::error_code::invalid_field, "a direct room has 2 to 8 users, you included");
    // A guest's name is anyone's to take: it holds no place in a room.
    if (std::any_of(users.begin(), users.end(), [](const std::string& u) { return u.starts_with(guest_prefix); }))
        return fail(id, protocol::error_code::forbidden, "guests may only use public rooms");
    make_room(id, storage::new_room{protocol::room_kind::direct, {}, user_, {}, std::move(users), wall_clock_ms()});
}

// Creates the room in storage (a direct room of the same users is found
// instead) and answers `room`. It spends one of the connection's room
// creations, handed back when no room was made.
void client_session::make_room(const protocol::request_id& id, storage::new_room room) {
    if (room_creations_ < 1.0F)
        return fail(id, protocol::error_code::rate_limited, "too many new rooms; wait");
    room_creations_ -= 1.0F;
    ask(ctx_->storage, storage::create_room{std::move(room)}, cfg().ask_timeout,
        [this, id](act::result<storage::answer<storage::create_outcome>> r) {
            const bool created = r && r->ok && r->value.status == storage::create_status::created;
            if (!created)
                room_creations_ = std::min(room_creations_ + 1.0F, static_cast<float>(cfg().room_creations_per_minute));
            if (!r || !r->ok) return fail(id, protocol::error_code::unavailable, "the room was not created; try again");
            if (r->value.status == storage::create_status::exists)
                return fail(id, protocol::error_code::room_exists, "a room of that name exists");
            reply_room(id, r->value.state);
            if (created) made_room(r->value.state);
        });
}

// A room this connection made: its members hear of it on every connection
// (this one has the `room` reply), and a room of its name that runs already
// (a public room joined before anything was stored) takes it on.
void client_session::made_room(const storage::room_state& state) {
    if (ctx_->users != nullptr) {
        for (const auto& m : state.members) {
            if (!m.is_member) continue;
            const std::uint64_t me = id();
            ctx_->users->notify(m.user,
                                std::make_shared<const std::string>(protocol::encode(protocol::room_added_event{
                                    state.room.name, state.room.kind, state.room.topic, m.role, user_, 0})),
                                m.user == user_ ? std::span(&me, 1) : std::span<const std::uint64_t>{});
        }
    }
    if (state.room.kind != protocol::room_kind::public_room) return;  // a name of the server's: nothing ran for it
    ask(ctx_->lobby, chat::open_room{state.room.name, std::nullopt, false}, cfg().ask_timeout,
        [state](act::result<chat::open_result> r) {
            if (r && r->room.valid()) r->room.tell(chat::room_created{state});
        });
}

void client_session::reply_room(const protocol::request_id& id, const storage::room_state& state) {
    std::vector<protocol::member_entry> members;
    members.reserve(state.members.size());
    protocol::member_role role = protocol::member_role::member;
    for (const auto& m : state.members) {
        if (!m.is_member) continue;
        members.push_back(protocol::member_entry{m.user, m.role});
        if (m.user == user_) role = m.role;
    }
    write(protocol::encode(
        protocol::room_event{id, state.room.name, state.room.kind, state.room.topic, role, members}));
}

// ---- helpers ----------------------------------------------------------------------

client_session::membership_list::iterator client_session::find_room(std::string_view name) {
    return std::find_if(rooms_.begin(), rooms_.end(), [name](const membership& m) { return m.name == name; });
}

// Storage answers for any room, so what reads it directly (history, read
// markers) waits for the room's own yes: the lobby answers a join before the
// room has decided it, and a private room refuses non-members.
bool client_session::admitted(std::string_view name) {
    auto it = find_room(name);
    return it != rooms_.end() && it->joined;
}

std::optional<protocol::member_role> client_session::granted_role(std::string_view room) const {
    const auth::room_grant* g = grants_ ? auth::granted(*grants_, room) : nullptr;
    return g != nullptr ? std::optional(g->role) : std::nullopt;
}

void client_session::arm_token_expiry(std::chrono::system_clock::time_point expires) {
    if (expiry_timer_ != 0) cancel_timer(expiry_timer_);
    const auto left = std::chrono::duration_cast<act::duration>(
        std::clamp<std::chrono::system_clock::duration>(expires - ctx_->wall_clock(), {},
                                                        longest_expiry_wait));
    // The deadline lives in the timer, not the session: only token users pay for it.
    expiry_timer_ = self_cell().add_timer(left, false, [this, expires] { on_token_expiry(expires); });
}

void client_session::on_token_expiry(std::chrono::system_clock::time_point expires) {
    // Early (the wait was capped, or the clocks drifted apart): wait again.
    if (ctx_->wall_clock() < expires) return arm_token_expiry(expires);
    spdlog::info("connection {} from {}: the token of {} expired", conn_->id(), conn_->remote(), user_);
    conn_->close(close_code::token_expired, "token expired");
}

// Takes a token for one frame. Over the limit, answers rate_limited (unless
// quietly) and closes with 4002 after abuse_threshold of them in a row.
bool client_session::admit(const protocol::request_id& id, bool quietly) {
    if (take_token()) {
        limited_in_a_row_ = 0;
        return true;
    }
    if (quietly) return false;
    fail(id, protocol::error_code::rate_limited, "too many requests; slow down");
    if (++limited_in_a_row_ >= cfg().abuse_threshold) conn_->close(close_code::rate_limit_abuse, "rate limit");
    return false;
}

bool client_session::take_token() {
    const act::time_point t = now();
    if (refilled_ != act::time_point{}) {
        const double secs = std::chrono::duration<double>(t - refilled_).count();
        tokens_ = static_cast<float>(std::min(cfg().rate_burst, static_cast<double>(tokens_) + secs * cfg().rate_per_second));
        room_creations_ = static_cast<float>(std::min(cfg().room_creations_per_minute,
            static_cast<double>(room_creations_) + secs * cfg().room_creations_per_minute / 60.0));
    }
    refilled_ = t;
    if (tokens_ < 1.0F) return false;
    tokens_ -= 1.0F;
    return true;
}

void client_session::write(std::string json) { conn_->send(std::make_shared<const std::string>(std::move(json))); }

void client_session::fail(const protocol::request_id& id, protocol::error_code code, std::string_view message) {
    if (ctx_->metrics != nullptr) ctx_->metrics->count_rejected(code);
    write(protocol::encode(protocol::error_event{id, code, message}));
}

}  // namespace chatd::session
