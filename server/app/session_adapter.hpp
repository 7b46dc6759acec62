#pragma once

// The bridge between the two layers that must not know each other: net/
// calls a connection_handler on the connection's strand, and this tells the
// session actor. Only app/ sees both.

#include "net/connection_handler.hpp"
#include "session/client_session.hpp"

#include <memory>
#include <string>

namespace chatd::app {

/// Turns a connection's callbacks into messages to its session actor.
class session_adapter final : public net::connection_handler {
public:
    session_adapter(session::client_session::ref_type s, std::weak_ptr<transport::connection> conn)
        : session_(std::move(s)), conn_(std::move(conn)) {}
    void on_text(std::string frame) override;
    void on_closed(net::close_info why) override;

private:
    const session::client_session::ref_type session_;
    std::weak_ptr<transport::connection> conn_;
};

}  // namespace chatd::app
