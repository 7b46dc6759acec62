#pragma once

// A resumable for testing executors on their own: it counts how it ended
// (run or abandoned) and runs an optional action when resumed.

#include "act/executor.hpp"

#include <atomic>
#include <functional>
#include <utility>

namespace act::test {

/// An executor may queue a resumable through its own link, so one probe
/// must be posted at most once at a time, like an actor's cell.
class resumable_probe final : public resumable {
public:
    resumable_probe() = default;
    explicit resumable_probe(std::function<void()> on_resume) : on_resume_(std::move(on_resume)) {}

    void resume() override {
        resumed_.fetch_add(1, std::memory_order_acq_rel);
        if (on_resume_) on_resume_();
    }
    void abandon() noexcept override { abandoned_.fetch_add(1, std::memory_order_acq_rel); }

    int resumed() const noexcept { return resumed_.load(std::memory_order_acquire); }
    int abandoned() const noexcept { return abandoned_.load(std::memory_order_acquire); }

private:
    std::function<void()> on_resume_;
    std::atomic<int> resumed_{0};
    std::atomic<int> abandoned_{0};
};

}  // namespace act::test
