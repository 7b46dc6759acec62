#include "adapter.hpp"

#include "adapters.hpp"

namespace chatd::load {

std::unique_ptr<adapter> make_adapter(protocol_kind kind) {
    return kind == protocol_kind::chatd ? make_chatd_adapter() : make_socketio_adapter();
}

}  // namespace chatd::load
