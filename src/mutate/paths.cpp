#include "irsa/mutate/paths.h"

#include <vector>

namespace irsa::mutate {

std::string cleanPath(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path.front() == '/';
  std::vector<std::string_view> elements;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view element = path.substr(start, end - start);
    start = end + 1;
    if (element.empty() || element == ".") continue;
    if (element == "..") {
      if (!elements.empty() && elements.back() != "..") {
        elements.pop_back();
      } else if (!rooted) {
        // A relative path keeps the ".." it cannot resolve; at the root there is no parent.
        elements.push_back(element);
      }
      continue;
    }
    elements.push_back(element);
  }
  std::string cleaned = rooted ? "/" : "";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) cleaned += '/';
    cleaned.append(elements[i]);
  }
  return cleaned.empty() ? "." : cleaned;
}

std::string joinPath(std::string_view first, std::string_view second) {
  if (first.empty() && second.empty()) return "";
  if (first.empty()) return cleanPath(second);
  if (second.empty()) return cleanPath(first);
  std::string joined(first);
  joined += '/';
  joined.append(second);
  return cleanPath(joined);
}

}  // namespace irsa::mutate
