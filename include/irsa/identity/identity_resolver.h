#pragma once

#include <string>

#include "irsa/identity/pod_identity_file.h"
#include "irsa/identity/role_mappings.h"
#include "irsa/identity/service_account.h"
#include "irsa/mutate/decision.h"

namespace irsa::identity {

// The precedence itself is a pure rule in mutate (mutate::resolveIdentity); these names
// keep the identity module's vocabulary for the flags that feed it.
using AccountInfo = mutate::AccountInfo;
using ResolverOptions = mutate::IdentityOptions;
using Resolution = mutate::Resolution;

// Gathers what the sources know about one ServiceAccount (its annotations, the ConfigMap
// entry, Pod Identity membership) and applies mutate::resolveIdentity. Any source but the
// ServiceAccounts may be null when its feature is off.
class IdentityResolver {
 public:
  IdentityResolver(ResolverOptions options, ServiceAccountSource& service_accounts,
                   const RoleMappingStore* role_mappings, const PodIdentityFile* pod_identities);

  Resolution resolve(const std::string& namespace_name, const std::string& service_account) const;

 private:
  ResolverOptions options_;
  ServiceAccountSource& service_accounts_;
  const RoleMappingStore* role_mappings_;
  const PodIdentityFile* pod_identities_;
};

}  // namespace irsa::identity
