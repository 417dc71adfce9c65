#include "irsa/json/filtered_json.h"

namespace irsa::json {

JsonFilter JsonFilter::all() {
  JsonFilter filter;
  filter.keep_all_ = true;
  return filter;
}

JsonFilter& JsonFilter::member(std::string key) {
  return member(std::move(key), JsonFilter());
}

JsonFilter& JsonFilter::member(std::string key, JsonFilter filter) {
  members_.emplace_back(std::move(key), std::move(filter));
  return *this;
}

JsonFilter& JsonFilter::membersWithPrefix(std::string prefix) {
  prefix_ = std::move(prefix);
  return *this;
}

JsonFilter& JsonFilter::elements(JsonFilter filter) {
  element_ = std::make_shared<const JsonFilter>(std::move(filter));
  return *this;
}

const JsonFilter* JsonFilter::forMember(std::string_view key) const {
  if (keep_all_) return this;
  for (const auto& [name, filter] : members_) {
    if (name == key) return &filter;
  }
  if (prefix_ && key.substr(0, prefix_->size()) == *prefix_) {
    static const JsonFilter kAll = all();
    return &kAll;
  }
  return nullptr;
}

}  // namespace irsa::json
