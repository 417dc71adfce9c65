#include "irsa/identity/role_mappings.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace irsa::identity {
namespace {

using nlohmann::json;

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Go's encoding/json matches struct fields case-insensitively; so do we.
const json* field(const json& object, const std::string& name) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (equalsIgnoreCase(it.key(), name)) return &it.value();
  }
  return nullptr;
}

}  // namespace

Result<RoleMappings> parseRoleMappings(const std::string& config_json) {
  if (config_json.empty()) return RoleMappings{};
  const json document = json::parse(config_json, nullptr, false);
  if (document.is_discarded()) return invalidArgument("ConfigMap key config is not valid JSON");
  if (!document.is_object()) return invalidArgument("ConfigMap key config must be a JSON object");
  RoleMappings mappings;
  for (auto it = document.begin(); it != document.end(); ++it) {
    const std::string& key = it.key();
    if (key.find('/') == std::string::npos) {
      spdlog::warn("ConfigMap mapping \"{}\" ignored: keys are namespace/serviceaccount", key);
      continue;
    }
    if (!it.value().is_object()) {
      return invalidArgument("ConfigMap mapping \"" + key + "\" must be a JSON object");
    }
    RoleMapping mapping;
    const json& entry = it.value();
    if (const json* value = field(entry, "RoleARN")) {
      if (!value->is_string())
        return invalidArgument("ConfigMap mapping \"" + key + "\": RoleARN must be a string");
      mapping.role_arn = value->get<std::string>();
    }
    if (const json* value = field(entry, "Audience")) {
      if (!value->is_string())
        return invalidArgument("ConfigMap mapping \"" + key + "\": Audience must be a string");
      mapping.audience = value->get<std::string>();
    }
    if (const json* value = field(entry, "UseRegionalSTS")) {
      if (!value->is_boolean()) {
        return invalidArgument("ConfigMap mapping \"" + key +
                               "\": UseRegionalSTS must be a boolean");
      }
      mapping.use_regional_sts = value->get<bool>();
    }
    if (const json* value = field(entry, "TokenExpiration")) {
      if (!value->is_number_integer()) {
        return invalidArgument("ConfigMap mapping \"" + key +
                               "\": TokenExpiration must be an integer");
      }
      mapping.token_expiration = value->get<std::int64_t>();
    }
    mappings[key] = std::move(mapping);
  }
  return mappings;
}

void RoleMappingStore::replace(RoleMappings mappings) {
  auto next = std::make_shared<const RoleMappings>(std::move(mappings));
  concurrency::MutexLock lock(mutex_);
  mappings_ = std::move(next);
}

std::optional<RoleMapping> RoleMappingStore::find(const std::string& namespace_name,
                                                  const std::string& service_account) const {
  std::shared_ptr<const RoleMappings> mappings;
  {
    concurrency::MutexLock lock(mutex_);
    mappings = mappings_;
  }
  if (auto it = mappings->find(namespace_name + "/" + service_account); it != mappings->end()) {
    return it->second;
  }
  if (auto it = mappings->find("*/" + service_account); it != mappings->end()) {
    RoleMapping mapping = it->second;
    mapping.any_namespace = true;
    return mapping;
  }
  return std::nullopt;
}

std::size_t RoleMappingStore::size() const {
  concurrency::MutexLock lock(mutex_);
  return mappings_->size();
}

}  // namespace irsa::identity
