#pragma once

// A system on the deterministic executor: tests step it and read what
// happened, with no threads and no sleeping.

#include "act/manual_executor.hpp"
#include "act/system.hpp"


#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace act::test {

/// A record of events shared by the actors of one test, in order.
using journal = std::shared_ptr<std::vector<std::string>>;
inline journal make_journal() { return std::make_shared<std::vector<std::string>>(); }

class deterministic : public ::testing::Test {
protected:
    explicit deterministic(system_config cfg = {}) : sys_(with_exec(std::move(cfg))) {}
    ~deterministic() override { sys_.shutdown(); }

    /// Runs every queued turn (no time passes).
    std::size_t run() { return exec_.run(); }
    /// Lets virtual time pass, firing due timers, running what they cause.
    std::size_t advance(duration d) { return exec_.advance(d); }

    manual_executor exec_;
    system sys_;

private:
    system_config with_exec(system_config cfg) {
        cfg.exec = &exec_;
        return cfg;
    }
};

}  // namespace act::test
