#pragma once

#include "storage/result.hpp"

#include <stdexcept>
#include <utility>

namespace chatd::storage {

/// Thrown only while opening a database and migrating it (start-up); every
/// later call reports failures as a result<T> instead. what() is the
/// message of error().
class startup_error : public std::runtime_error {
public:
    explicit startup_error(storage::error e) : std::runtime_error(e.message), error_(std::move(e)) {}

    const storage::error& error() const noexcept { return error_; }

private:
    storage::error error_;
};

}  // namespace chatd::storage
