#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "irsa/identity/pod_identity_file.h"
#include "irsa/identity/role_mappings.h"
#include "irsa/identity/service_account.h"
#include "irsa/mutate/identity.h"

namespace irsa::identity {

// Where a bare role name in role-arn is completed (--compose-role-arn).
struct AccountInfo {
  std::string partition;  // aws, aws-cn, aws-us-gov, ...
  std::string account_id;
};

struct ResolverOptions {
  std::string annotation_prefix = "eks.amazonaws.com";
  std::string default_audience = "sts.amazonaws.com";
  bool default_regional_sts = false;
  std::optional<AccountInfo> compose_role_arn;  // set only with --compose-role-arn
};

struct Resolution {
  std::optional<mutate::Identity> identity;
  bool service_account_found = false;
};

// Decides which identity a ServiceAccount gives its Pods, with the precedence of the spec:
// Pod Identity file > SA role-arn annotation > ConfigMap exact namespace > ConfigMap "*".
// Any source may be null when its feature is off.
class IdentityResolver {
 public:
  IdentityResolver(ResolverOptions options, ServiceAccountSource& service_accounts,
                   const RoleMappingStore* role_mappings, const PodIdentityFile* pod_identities);

  Resolution resolve(const std::string& namespace_name, const std::string& service_account) const;

 private:
  std::string composeRoleArn(const std::string& role) const;

  ResolverOptions options_;
  ServiceAccountSource& service_accounts_;
  const RoleMappingStore* role_mappings_;
  const PodIdentityFile* pod_identities_;
};

}  // namespace irsa::identity
