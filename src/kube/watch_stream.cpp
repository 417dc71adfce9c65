#include "kube/watch_stream.h"

namespace irsa::kube {

bool WatchStreamParser::feed(std::string_view data) {
  while (!data.empty()) {
    const std::size_t newline = data.find('\n');
    if (newline == std::string_view::npos) {
      partial_.append(data);
      // An event larger than any real object is a broken stream, not something to buffer.
      if (partial_.size() > (64u << 20)) {
        malformed_ = true;
        return false;
      }
      return true;
    }
    std::string_view line = data.substr(0, newline);
    data.remove_prefix(newline + 1);
    std::string joined;
    if (!partial_.empty()) {
      joined = std::move(partial_);
      partial_.clear();
      joined.append(line);
      line = joined;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const json::FilteredJson parsed = json::parseFiltered(line, fields_);
    const nlohmann::json& event = parsed.value;
    if (parsed.error || !event.is_object()) {
      malformed_ = true;
      return false;
    }
    if (!handler_(event)) return false;
  }
  return true;
}

}  // namespace irsa::kube
