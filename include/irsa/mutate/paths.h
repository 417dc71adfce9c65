#pragma once

// Slash-separated paths as the Go webhook builds them (docs/behaviour.md §2.3): the token
// file is the mount path joined with the token's name the way Go's filepath.Join does on
// Linux, so "--token-mount-path=/a/b/" gives "/a/b/token", not "/a/b//token".

#include <string>
#include <string_view>

namespace irsa::mutate {

// Go's path.Clean: one '/' between elements, no "." elements, ".." removes the element
// before it (and is dropped at the root), no trailing '/' except for "/" itself; "" is ".".
std::string cleanPath(std::string_view path);

// Go's filepath.Join for two elements: the non-empty ones joined by '/', then cleaned;
// "" when both are empty.
std::string joinPath(std::string_view first, std::string_view second);

}  // namespace irsa::mutate
