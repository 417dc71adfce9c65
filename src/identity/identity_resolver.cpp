#include "irsa/identity/identity_resolver.h"

#include "irsa/govalues/go_values.h"

namespace irsa::identity {
namespace {

const std::string* annotation(const ServiceAccount& account, const std::string& key) {
  const auto it = account.annotations.find(key);
  return it == account.annotations.end() ? nullptr : &it->second;
}

// A ServiceAccount's token-expiration is read exactly as the Pod's (docs/behaviour.md §1.2):
// Go's ParseInt, then the 600 s floor; anything else means "not set".
std::optional<std::int64_t> parseExpiration(const std::string& text) {
  const std::optional<std::int64_t> value = govalues::parseInt64(text);
  if (!value) return std::nullopt;
  return mutate::clampTokenExpiration(*value);
}

}  // namespace

IdentityResolver::IdentityResolver(ResolverOptions options, ServiceAccountSource& service_accounts,
                                   const RoleMappingStore* role_mappings,
                                   const PodIdentityFile* pod_identities)
    : options_(std::move(options)),
      service_accounts_(service_accounts),
      role_mappings_(role_mappings),
      pod_identities_(pod_identities) {}

std::string IdentityResolver::composeRoleArn(const std::string& role) const {
  if (!options_.compose_role_arn || role.rfind("arn:", 0) == 0) return role;
  return "arn:" + options_.compose_role_arn->partition +
         ":iam::" + options_.compose_role_arn->account_id + ":role/" + role;
}

Resolution IdentityResolver::resolve(const std::string& namespace_name,
                                     const std::string& service_account) const {
  Resolution resolution;
  const std::optional<ServiceAccount> account =
      service_accounts_.find(namespace_name, service_account);
  resolution.service_account_found = account.has_value();
  const std::string& prefix = options_.annotation_prefix;

  const std::string* role_annotation =
      account ? annotation(*account, prefix + "/role-arn") : nullptr;
  const std::string* audience_annotation =
      account ? annotation(*account, prefix + "/audience") : nullptr;
  const std::string* sts_annotation =
      account ? annotation(*account, prefix + "/sts-regional-endpoints") : nullptr;
  const std::string* expiration_annotation =
      account ? annotation(*account, prefix + "/token-expiration") : nullptr;

  // The ConfigMap is consulted only when the SA does not name a role itself.
  std::optional<RoleMapping> mapping;
  if (role_mappings_ != nullptr && (role_annotation == nullptr || role_annotation->empty())) {
    mapping = role_mappings_->find(namespace_name, service_account);
  }

  mutate::Identity identity;
  // Regional STS: SA annotation (valid spelling) > ConfigMap > flag.
  identity.regional_sts = options_.default_regional_sts;
  if (mapping && mapping->use_regional_sts) identity.regional_sts = true;
  if (sts_annotation != nullptr) {
    if (const auto parsed = govalues::parseBool(*sts_annotation)) identity.regional_sts = *parsed;
  }
  // Expiration: SA annotation (valid integer) > ConfigMap (non-zero) > flag (in mutate).
  if (mapping && mapping->token_expiration != 0) {
    identity.token_expiration = mutate::clampTokenExpiration(mapping->token_expiration);
  }
  if (expiration_annotation != nullptr) {
    if (const auto parsed = parseExpiration(*expiration_annotation))
      identity.token_expiration = parsed;
  }

  if (pod_identities_ != nullptr && pod_identities_->contains(namespace_name, service_account)) {
    identity.mode = mutate::IdentityMode::kPodIdentity;
    resolution.identity = std::move(identity);
    return resolution;
  }

  if (role_annotation != nullptr && !role_annotation->empty()) {
    identity.role_arn = composeRoleArn(*role_annotation);
  } else if (mapping && !mapping->role_arn.empty()) {
    identity.role_arn = composeRoleArn(mapping->role_arn);
  } else {
    return resolution;
  }
  identity.mode = mutate::IdentityMode::kWebIdentity;
  identity.audience = options_.default_audience;
  if (mapping && !mapping->audience.empty()) identity.audience = mapping->audience;
  if (audience_annotation != nullptr && !audience_annotation->empty())
    identity.audience = *audience_annotation;
  resolution.identity = std::move(identity);
  return resolution;
}

}  // namespace irsa::identity
