#include "app/session_adapter.hpp"

#include <utility>

namespace chatd::app {

void session_adapter::on_text(std::string frame) {
    if (session_.tell(session::frame_in{std::move(frame)}) == act::send_status::ok) return;
    // The session's mailbox is full: this client sends faster than it can be
    // served, and the rate limit is not holding it back.
    if (auto c = conn_.lock()) c->close(transport::close_code::rate_limit_abuse, "too many requests");
}

void session_adapter::on_closed(net::close_info why) {
    session_.tell(session::connection_closed{std::move(why.detail)});
}

}  // namespace chatd::app
