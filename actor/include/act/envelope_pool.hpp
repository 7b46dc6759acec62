#pragma once

#include <cstddef>

namespace act::detail {

/// Memory for envelopes. A message is usually allocated on the sender's
/// thread and freed on the receiver's; general-purpose malloc is slow at
/// that. Each thread keeps free lists per size class; a block freed on
/// another thread goes back to its owner's lock-free return list, which the
/// owner takes whole when its own list runs dry. Thread-safe. Blocks larger
/// than the biggest class go to the global operator new.
void* envelope_allocate(std::size_t bytes);
void envelope_deallocate(void* p, std::size_t bytes) noexcept;

}  // namespace act::detail
