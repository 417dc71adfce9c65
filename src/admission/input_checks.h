#pragma once

// Cheap checks that run before the JSON parser sees a body.

#include <cstddef>
#include <string>
#include <string_view>

namespace irsa::admission {

// True for "application/json" with optional parameters ("; charset=utf-8"), any case.
bool isJsonContentType(std::string_view content_type);

// True when arrays/objects in `body` nest deeper than `max_depth`. Scans bytes without
// recursion and skips string contents, so a 100k-deep document is refused in linear time
// before the parser builds anything.
bool exceedsNestingDepth(std::string_view body, std::size_t max_depth);

}  // namespace irsa::admission
