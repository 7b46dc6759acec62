// libFuzzer harness: the request decoder. Any bytes must give a request or
// a decode_error, never a crash; one decoder sees every input in turn, as
// one connection's decoder sees every frame, so state kept between frames
// (the retained buffer) is exercised too, and its bound is checked.

#include "protocol/decoder.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

// The server's limits scaled down (its frame limit is 64 KiB), so that
// inputs under -max_len (16 KiB) reach every limit: frame, text, retain.
chatd::protocol::limits fuzz_limits() {
    chatd::protocol::limits l;
    l.max_frame_bytes = 12 * 1024;
    l.max_text_bytes = 2048;
    l.retain_bytes = 4096;
    l.product_requests = true;  // every request type the decoder knows
    return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static chatd::protocol::decoder dec(fuzz_limits());
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    const auto result = dec.decode(frame);
    (void)result;
    // Between frames it keeps parser memory for at most retain_bytes.
    if (dec.capacity() > dec.config().retain_bytes) __builtin_trap();
    return 0;
}
