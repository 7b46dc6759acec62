#pragma once

// The bearer keys of the HTTP API (--api-key-file). Only their SHA-256
// digests are kept; a presented key is hashed and compared with every one
// in constant time, so neither a key's bytes nor which key was near is told
// by how long a refusal takes.

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatd::app {

/// Immutable once made; thread-safe.
class api_keys {
public:
    /// The shortest key accepted, in bytes.
    static constexpr std::size_t min_key_bytes = 32;

    /// Parses a key file: one key per line; blank lines and lines starting
    /// with '#' are ignored, as are spaces around a key. A key is at least
    /// min_key_bytes of printable ASCII with no space. A bad line, or no key
    /// at all, is an error returned as text ("line 3: ..."). For start-up.
    static std::optional<api_keys> parse(std::string_view text, std::string& why);
    /// Reads and parses the file at `path`; throws std::invalid_argument
    /// naming the file and what is wrong. For start-up.
    static api_keys load(const std::filesystem::path& path);

    /// The index of the key `presented` is, or nullopt. Any thread.
    std::optional<std::size_t> match(std::string_view presented) const;
    std::size_t size() const noexcept { return digests_.size(); }

private:
    using digest = std::array<unsigned char, 32>;
    static digest sha256(std::string_view s);
    std::vector<digest> digests_;
};

}  // namespace chatd::app
