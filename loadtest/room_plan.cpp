#include "room_plan.hpp"

#include <algorithm>
#include <iterator>

namespace chatd::load {

room_plan::room_plan(std::vector<room_group> groups, std::optional<std::uint32_t> senders)
    : groups_(std::move(groups)), senders_(senders) {
    for (const auto& g : groups_) {
        starts_.push_back(capacity_);
        capacity_ += std::uint64_t{g.size} * g.count;
    }
}

std::string room_plan::room_name(std::size_t g, std::uint32_t k) const {
    return "room-" + std::to_string(groups_.at(g).size) + '-' + std::to_string(g) + '-' + std::to_string(k);
}

connection_role room_plan::role(std::uint32_t index) const {
    connection_role r;
    r.index = index;
    r.user = "u" + std::to_string(index);
    if (index >= capacity_) return r;
    // The last group starting at or before index.
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), std::uint64_t{index});
    const auto g = std::size_t(std::distance(starts_.begin(), it) - 1);
    const std::uint64_t offset = index - starts_[g];
    const auto k = std::uint32_t(offset / groups_[g].size);
    r.room = room_name(g, k);
    r.room_size = groups_[g].size;
    r.position = std::uint32_t(offset % groups_[g].size);
    r.sender = !senders_ || r.position < *senders_;
    return r;
}

}  // namespace chatd::load
