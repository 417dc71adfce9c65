#include "irsa/identity/identity_resolver.h"

#include <optional>

namespace irsa::identity {

IdentityResolver::IdentityResolver(ResolverOptions options, ServiceAccountSource& service_accounts,
                                   const RoleMappingStore* role_mappings,
                                   const PodIdentityFile* pod_identities)
    : options_(std::move(options)),
      service_accounts_(service_accounts),
      role_mappings_(role_mappings),
      pod_identities_(pod_identities) {}

Resolution IdentityResolver::resolve(const std::string& namespace_name,
                                     const std::string& service_account) const {
  const std::optional<ServiceAccount> account =
      service_accounts_.find(namespace_name, service_account);
  mutate::IdentityFacts facts;
  facts.service_account_annotations = account ? &account->annotations : nullptr;
  std::optional<RoleMapping> mapping;
  if (role_mappings_ != nullptr &&
      mutate::consultsConfigMap(facts.service_account_annotations, options_)) {
    mapping = role_mappings_->find(namespace_name, service_account);
  }
  if (mapping) {
    facts.config_map =
        mutate::ConfigMapRole{mapping->role_arn, mapping->audience, mapping->use_regional_sts,
                              mapping->token_expiration, mapping->any_namespace};
  }
  facts.in_pod_identity_file =
      pod_identities_ != nullptr && pod_identities_->contains(namespace_name, service_account);
  return mutate::resolveIdentity(facts, options_);
}

}  // namespace irsa::identity
