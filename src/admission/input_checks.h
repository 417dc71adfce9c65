#pragma once

// Cheap checks that run before the JSON parser sees a body. (Nesting depth is checked by
// the parser itself: json::parseFiltered stops at ReviewLimits::max_nesting_depth.)

#include <cstddef>
#include <string>
#include <string_view>

namespace irsa::admission {

// True for "application/json" with optional parameters ("; charset=utf-8"), any case.
bool isJsonContentType(std::string_view content_type);

}  // namespace irsa::admission
