#pragma once

// Content-Type by file extension, for static files. Standard library only.

#include <string_view>

namespace chatd::net {

/// The Content-Type for a file name or path, by its extension, ASCII
/// case-insensitively: "app.js" → "text/javascript; charset=utf-8".
/// Text types carry charset=utf-8. Unknown or no extension:
/// "application/octet-stream".
std::string_view mime_type(std::string_view path) noexcept;

}  // namespace chatd::net
