#pragma once

#include <exception>
#include <string>

namespace act {

/// Why an actor failed: a thrown exception, a mailbox overflow, a linked
/// actor's death or a supervisor giving up. Immutable once made.
struct failure {
    std::string what;
    std::exception_ptr error;  ///< the exception, when there was one
};

/// Why an actor terminated, as monitors and links see it.
struct exit_reason {
    enum class kind {
        normal,    ///< it stopped itself, or was stopped by its owner
        failure,   ///< it failed and its supervisor stopped it
        shutdown,  ///< the system (or its supervisor's shutdown) stopped it
        killed,    ///< it did not stop within its shutdown timeout
    };
    kind code = kind::normal;
    std::string what;

    bool abnormal() const noexcept { return code == kind::failure || code == kind::killed; }
};

}  // namespace act
