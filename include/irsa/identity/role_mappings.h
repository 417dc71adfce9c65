#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "irsa/concurrency/mutex.h"
#include "irsa/status/result.h"

namespace irsa::identity {

// One entry of the pod-identity-webhook ConfigMap (docs/behaviour.md §3).
struct RoleMapping {
  std::string role_arn;
  std::string audience;  // as written: empty means no audience (docs/behaviour.md §3)
  bool use_regional_sts = false;
  std::int64_t token_expiration = 0;  // 0: the flag default
  bool any_namespace = false;         // set by RoleMappingStore::find: matched "*/<name>"
};

// Keyed "namespace/serviceaccount"; namespace "*" matches every namespace.
using RoleMappings = std::map<std::string, RoleMapping>;

// Parses the ConfigMap's `config` value. Field names match case-insensitively; keys without
// a '/' are skipped (and logged) rather than failing the whole document. A document that is
// not an object of objects with well-typed fields is InvalidArgument, naming the key.
Result<RoleMappings> parseRoleMappings(const std::string& config_json);

// The mappings in force, replaced as a whole when the ConfigMap changes.
class RoleMappingStore {
 public:
  void replace(RoleMappings mappings) EXCLUDES(mutex_);
  // Exact namespace first, then "*" (the result says which).
  std::optional<RoleMapping> find(const std::string& namespace_name,
                                  const std::string& service_account) const EXCLUDES(mutex_);
  std::size_t size() const EXCLUDES(mutex_);

 private:
  // Held only to copy or swap the pointer; lookups run on the snapshot without it.
  mutable concurrency::Mutex mutex_;
  std::shared_ptr<const RoleMappings> mappings_ GUARDED_BY(mutex_) =
      std::make_shared<RoleMappings>();
};

}  // namespace irsa::identity
