#include "app/api_keys.hpp"

#include "protocol/validate.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace chatd::app {

api_keys::digest api_keys::sha256(std::string_view s) {
    digest d{};
    unsigned int n = 0;
    if (EVP_Digest(s.data(), s.size(), d.data(), &n, EVP_sha256(), nullptr) != 1 || n != d.size())
        throw std::runtime_error("SHA-256 failed");
    return d;
}

std::optional<api_keys> api_keys::parse(std::string_view text, std::string& why) {
    api_keys keys;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        line = protocol::trim_spaces(line);
        if (line.empty() || line.front() == '#') continue;
        // printable ASCII without space: what an Authorization header carries as is
        if (!protocol::is_valid_token(line)) {
            why = "line " + std::to_string(line_no) + ": a key must be printable ASCII with no space or tab, at most 8192 bytes";
            return std::nullopt;
        }
        if (line.size() < min_key_bytes) {
            why = "line " + std::to_string(line_no) + ": a key must be at least " + std::to_string(min_key_bytes) +
                  " bytes, this one is " + std::to_string(line.size());
            return std::nullopt;
        }
        keys.digests_.push_back(sha256(line));
    }
    if (keys.digests_.empty()) {
        why = "no key in it (one key per line; blank lines and # comments are ignored)";
        return std::nullopt;
    }
    return keys;
}

api_keys api_keys::load(const std::filesystem::path& path) {
    const std::string where = "--api-key-file " + path.string() + ": ";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument(where + "cannot be opened");
    std::ostringstream text;
    text << in.rdbuf();
    std::string why;
    auto keys = parse(text.str(), why);
    if (!keys) throw std::invalid_argument(where + why);
    return std::move(*keys);
}

std::optional<std::size_t> api_keys::match(std::string_view presented) const {
    const digest d = sha256(presented);
    std::optional<std::size_t> found;
    // Every key is compared, whichever matches.
    for (std::size_t i = 0; i < digests_.size(); ++i)
        if (CRYPTO_memcmp(d.data(), digests_[i].data(), d.size()) == 0) found = i;
    return found;
}

}  // namespace chatd::app
