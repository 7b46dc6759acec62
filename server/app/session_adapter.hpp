#pragma once

// The bridge between the two layers that must not know each other: net/
// calls a connection_handler on the connection's strand, and this tells the
// session actor. Only app/ sees both.

#include "app/session_directory.hpp"
#include "net/connection_handler.hpp"
#include "session/client_session.hpp"

#include <memory>
#include <string>

namespace chatd::app {

/// Turns a connection's callbacks into messages to its session actor. Listed
/// in `directory` while the connection holds it (until it has closed).
class session_adapter final : public net::connection_handler, private directory_entry {
public:
    session_adapter(session_directory& directory, session::client_session::ref_type s,
                    std::weak_ptr<transport::connection> conn)
        : directory_entry(directory, std::move(s)), conn_(std::move(conn)) {}
    void on_text(std::string frame) override;
    void on_closed(net::close_info why) override;

private:
    std::weak_ptr<transport::connection> conn_;
};

}  // namespace chatd::app
