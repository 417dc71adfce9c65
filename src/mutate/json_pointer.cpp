#include "irsa/mutate/json_pointer.h"

namespace irsa::mutate {

std::string escapeJsonPointerToken(std::string_view token) {
  std::string escaped;
  escaped.reserve(token.size() + 4);
  for (const char c : token) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

}  // namespace irsa::mutate
