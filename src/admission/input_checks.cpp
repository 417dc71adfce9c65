#include "admission/input_checks.h"

#include <cctype>

namespace irsa::admission {

bool isJsonContentType(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  std::string_view media_type = content_type.substr(0, semicolon);
  while (!media_type.empty() && std::isspace(static_cast<unsigned char>(media_type.front()))) {
    media_type.remove_prefix(1);
  }
  while (!media_type.empty() && std::isspace(static_cast<unsigned char>(media_type.back()))) {
    media_type.remove_suffix(1);
  }
  constexpr std::string_view kJson = "application/json";
  if (media_type.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media_type[i])) != kJson[i]) return false;
  }
  return true;
}

}  // namespace irsa::admission
