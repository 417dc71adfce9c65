#pragma once

#include <string>
#include <string_view>

namespace irsa::mutate {

// Escapes one reference token for a JSON pointer (RFC 6901): '~' -> "~0", '/' -> "~1".
// Label keys such as "eks.amazonaws.com/pod-identity" contain '/'.
std::string escapeJsonPointerToken(std::string_view token);

}  // namespace irsa::mutate
