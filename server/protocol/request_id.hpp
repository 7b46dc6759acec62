#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace chatd::protocol {

/// A request's optional "id". Every reply to the request echoes it verbatim,
/// with the same JSON type:
///   std::monostate  the request had no id (or "id": null); replies omit it
///   std::uint64_t   a JSON integer 0..max_safe_integer
///   std::string     a JSON string of at most max_string_id_bytes bytes
/// A plain value: copy it into whatever must reply later.
using request_id = std::variant<std::monostate, std::uint64_t, std::string>;

/// True unless the request had no id. Pure; any thread.
inline bool has_id(const request_id& id) noexcept { return !std::holds_alternative<std::monostate>(id); }

}  // namespace chatd::protocol
