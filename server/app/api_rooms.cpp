// The HTTP API's room endpoints (docs/api.md): create, list and read rooms
// from storage; members, bans, mutes and deleting a line through the room,
// as the app's backend (the user "system", above every role), so connected
// members hear each change as they hear a member's.

#include "app/api_bodies.hpp"
#include "app/api_service.hpp"
#include "app/api_support.hpp"
#include "protocol/encoder.hpp"
#include "protocol/events.hpp"
#include "session/client_session.hpp"

#include <utility>

namespace chatd::app {

namespace {

using api::ask_then;
using api::unavailable;

void write_event(protocol::json_writer& w, const chat::posted& p) {
    w.bool_field("changed", !p.unchanged);
    if (p.unchanged) return;
    w.unsigned_field("seq", p.seq);
    w.signed_field("ts", p.ts_ms);
    w.bool_field("duplicate", p.duplicate);
}

}  // namespace

// ---- POST /api/v1/rooms ---------------------------------------------------------

void api_service::create_room(std::string_view body, net::api_answer answer) {
    net::api_response refused;
    auto room = api::decode_create(body, refused);
    if (!room) return answer(std::move(refused));
    // Made by the app: "system" is on record as its creator but is not a
    // member; its members are those named (a direct room: its users).
    room->created_by = std::string(session::system_user);
    room->creator_member = false;
    room->ts_ms = api::wall_clock_ms();
    ask_then<storage::answer<storage::create_outcome>>::send(
        ctx_.storage, storage::create_room{std::move(*room)}, ctx_.ask_timeout,
        [this, answer](act::result<storage::answer<storage::create_outcome>> r) {
            if (!r || !r->ok) return answer(unavailable("the room was not created; retry"));
            if (r->value.status == storage::create_status::exists)
                return answer(api::refused_by_room(protocol::error_code::room_exists, {}));
            // A direct room of that set of users answers as it is (200).
            const unsigned status = r->value.status == storage::create_status::created ? 201 : 200;
            ctx_.post_io([this, answer, status, state = std::move(r->value.state)] {
                answer({status, api::encode_room(state, api::wall_clock_ms()), {}});
                if (status == 201) made_room(state);
            });
        });
}

// Its members hear of the new room on every connection, and a room of its
// name that runs already (a public room joined before anything was stored)
// takes it on, as for a member's create_room.
void api_service::made_room(const storage::room_state& state) const {
    if (ctx_.users != nullptr)
        for (const auto& m : state.members)
            if (m.is_member)
                ctx_.users->notify(m.user, std::make_shared<const std::string>(protocol::encode(
                                               protocol::room_added_event{state.room.name, state.room.kind,
                                                                          state.room.topic, m.role,
                                                                          session::system_user, 0})));
    if (state.room.kind != protocol::room_kind::public_room) return;
    ask_then<chat::open_result>::send(ctx_.lobby, chat::open_room{state.room.name, std::nullopt, false},
                                      ctx_.ask_timeout, [state](act::result<chat::open_result> r) {
                                          if (r && r->room.valid()) r->room.tell(chat::room_created{state});
                                      });
}

// ---- GET /api/v1/rooms ------------------------------------------------------------

void api_service::list_rooms(std::string_view query, net::api_answer answer) {
    net::api_response refused;
    auto q = api::decode_list_query(query, refused);
    if (!q) return answer(std::move(refused));
    ask_then<storage::answer<storage::room_list>>::send(
        ctx_.storage, storage::list_rooms{std::move(q->after), q->limit, q->kind}, ctx_.ask_timeout,
        [this, answer](act::result<storage::answer<storage::room_list>> r) {
            if (!r || !r->ok) return answer(unavailable("the rooms are not available now"));
            ctx_.post_io([answer, list = std::move(r->value)] { answer({200, api::encode_room_list(list), {}}); });
        });
}

// ---- GET /api/v1/rooms/{room} -----------------------------------------------------

void api_service::get_room(const std::string& room, net::api_answer answer) {
    ask_then<storage::answer<storage::room_state>>::send(
        ctx_.storage, storage::read_room{room}, ctx_.ask_timeout,
        [this, answer](act::result<storage::answer<storage::room_state>> r) {
            if (!r || !r->ok) return answer(unavailable("the room is not available now"));
            if (!r->value.exists) return answer(api::not_found("no such room"));
            ctx_.post_io([answer, state = std::move(r->value)] {
                answer({200, api::encode_room(state, api::wall_clock_ms()), {}});
            });
        });
}

// ---- PATCH /api/v1/rooms/{room} ------------------------------------------------------

// The topic, as a set_topic by "system": a topic event with the room's next
// seq, answered once committed; the topic the room has already is left alone.
void api_service::set_topic(const std::string& room, std::string_view body, net::api_answer answer) {
    net::api_response refused;
    auto b = api::decode_topic(body, refused);
    if (!b) return answer(std::move(refused));
    protocol::set_topic_request t{room, b->topic, b->client_id.empty() ? api::server_client_id() : b->client_id};
    change(room, std::move(t),
           [room, topic = std::move(b->topic)](protocol::json_writer& w) {
               w.string_field("room", room);
               w.string_field("topic", topic);
           },
           std::move(answer));
}

// ---- members, bans, mutes ---------------------------------------------------------

// PUT .../members/{user} invites (or sets the role of) a member, DELETE
// removes it; POST .../bans/{user} bans, DELETE unbans; .../mutes likewise.
void api_service::change_member(const std::string& room, const std::string& user, std::string_view method,
                                std::string_view what, std::string_view body, net::api_answer answer) {
    net::api_response refused;
    auto b = api::decode_change(method == "DELETE" ? std::string_view{} : body, refused);
    if (!b) return answer(std::move(refused));
    using ma = protocol::member_action;
    const bool undo = method == "DELETE";
    protocol::member_change_request c;
    c.room = room;
    c.user = user;
    c.client_id = b->client_id.empty() ? api::server_client_id() : std::move(b->client_id);
    if (what == "members") {
        c.action = undo ? ma::remove : ma::invite;
        c.role = b->role;
    } else {
        const bool ban = what == "bans";
        c.action = ban ? (undo ? ma::unban : ma::ban) : (undo ? ma::unmute : ma::mute);
        c.until = undo ? 0 : b->until_ms;
    }
    const ma action = c.action;
    const protocol::member_role role = c.role;
    change(room, std::move(c),
           [room, user, action, role](protocol::json_writer& w) {
               w.string_field("room", room);
               w.string_field("user", user);
               w.string_field("action", protocol::to_string(action));
               if (action == ma::invite) w.string_field("role", protocol::to_string(role));
           },
           std::move(answer));
}

// ---- DELETE /api/v1/rooms/{room}/messages/{seq} -------------------------------------

void api_service::delete_line(const std::string& room, std::uint64_t seq, net::api_answer answer) {
    protocol::line_change_request l;
    l.kind = protocol::event_kind::delete_line;
    l.room = room;
    l.seq = seq;
    l.client_id = api::server_client_id();
    change(room, std::move(l),
           [room, seq](protocol::json_writer& w) {
               w.string_field("room", room);
               w.unsigned_field("deleted", seq);
           },
           std::move(answer));
}

// The room of that name, started if it is not running, then the change,
// answered once committed. A public name is made as a join makes it; a room
// started for a server-assigned name that storage does not know refuses
// (not_found).
void api_service::change(const std::string& room, chat::change::body_type body, change_answer fields,
                         net::api_answer answer) {
    chat::app_change m{chat::change{.conn_id = 0, .user = std::string(session::system_user), .guest = false, .id = {},
                                    .ts_ms = api::wall_clock_ms(), .body = std::move(body), .app = true}};
    const auto timeout = ctx_.ask_timeout;
    ask_then<chat::open_result>::send(
        ctx_.lobby, chat::open_room{room, std::nullopt, true}, timeout,
        [m = std::move(m), fields = std::move(fields), answer, timeout](act::result<chat::open_result> opened) mutable {
            if (opened && opened->refused) return answer(api::not_found("no such room"));
            if (!opened || !opened->room.valid()) return answer(unavailable("the room is not available; retry"));
            const bool line = std::holds_alternative<protocol::line_change_request>(m.request.body);
            ask_then<chat::posted>::send(
                opened->room, std::move(m), timeout, [fields, answer, line](act::result<chat::posted> r) {
                    if (r && r->error) return answer(api::refused_by_room(*r->error, line ? "no such room or line"
                                                                                          : "no such room"));
                    if (!r) return answer(unavailable("the change was not stored; retry"));
                    protocol::json_writer w(160);
                    w.begin_object();
                    fields(w);
                    write_event(w, *r);
                    w.end_object();
                    answer({200, std::move(w).take(), {}});
                });
        });
}

}  // namespace chatd::app
