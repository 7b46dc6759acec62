#pragma once

#include "adapter.hpp"

#include <memory>

namespace chatd::load {

// The protocol speakers; make_adapter (adapter.cpp) picks one.

std::unique_ptr<adapter> make_chatd_adapter();
std::unique_ptr<adapter> make_socketio_adapter();

}  // namespace chatd::load
