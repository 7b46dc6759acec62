// libFuzzer harness: the request decoder. Any bytes must give a request or
// a decode_error, never a crash; one decoder sees every input in turn, as
// one connection's decoder sees every frame, so state kept between frames
// (the retained buffer) is exercised too, and its bound is checked.

#include "protocol/decoder.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static chatd::protocol::decoder dec;
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    const auto result = dec.decode(frame);
    (void)result;
    // Between frames it keeps parser memory for at most retain_bytes.
    if (dec.capacity() > dec.config().retain_bytes) __builtin_trap();
    return 0;
}
