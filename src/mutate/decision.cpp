// The request-level rules, top to bottom: which request, which ServiceAccount, which
// identity. test/mutate/decision_test.cpp has one table per rule, named after it.

#include "irsa/mutate/decision.h"

#include "irsa/govalues/go_values.h"
#include "irsa/mutate/annotations.h"

namespace irsa::mutate {
namespace {

using nlohmann::json;

// A string member of an object; empty when absent or of another type.
std::string_view stringAt(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return *it->get_ptr<const std::string*>();
}

const json& memberOrNull(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const std::string* annotation(const Annotations* annotations, const std::string& prefix,
                              std::string_view name) {
  if (annotations == nullptr) return nullptr;
  const auto it = annotations->find(annotationKey(prefix, name));
  return it == annotations->end() ? nullptr : &it->second;
}

std::string composeRoleArn(std::string_view role, const IdentityOptions& options) {
  if (!options.compose_role_arn || role.substr(0, 4) == "arn:") return std::string(role);
  return "arn:" + options.compose_role_arn->partition +
         ":iam::" + options.compose_role_arn->account_id + ":role/" + std::string(role);
}

// A ServiceAccount's boolean annotation: a valid Go ParseBool spelling, else the flag.
bool boolAnnotation(const std::string* value, bool flag) {
  if (value == nullptr) return flag;
  return govalues::parseBool(*value).value_or(flag);
}

// A ServiceAccount's token-expiration (Go ParseInt, as the Pod's, docs/behaviour.md §1.2),
// raised to 600 s; invalid or absent: not set, so the flag applies.
std::optional<std::int64_t> expirationAnnotation(const std::string* value) {
  if (value == nullptr) return std::nullopt;
  const std::optional<std::int64_t> parsed = govalues::parseInt64(*value);
  if (!parsed) return std::nullopt;
  return clampTokenExpiration(*parsed);
}

// A ConfigMap TokenExpiration: 0 means the flag; anything else is raised to 600 s.
std::optional<std::int64_t> mappedExpiration(const ConfigMapRole& mapping) {
  if (mapping.token_expiration == 0) return std::nullopt;
  return clampTokenExpiration(mapping.token_expiration);
}

// Web identity from the ServiceAccount's own role: every field from its annotations, each
// else the flag. A present audience annotation counts even when empty (docs/behaviour.md §1.2).
Identity fromServiceAccount(const Annotations& annotations, const std::string& role,
                            const IdentityOptions& options) {
  const std::string& prefix = options.annotation_prefix;
  Identity identity;
  identity.role_arn = composeRoleArn(role, options);
  const std::string* audience = annotation(&annotations, prefix, kAudienceAnnotation);
  identity.audience = audience != nullptr ? *audience : options.default_audience;
  identity.regional_sts =
      boolAnnotation(annotation(&annotations, prefix, kStsRegionalEndpointsAnnotation),
                     options.default_regional_sts);
  identity.token_expiration =
      expirationAnnotation(annotation(&annotations, prefix, kTokenExpirationAnnotation));
  return identity;
}

// Web identity from a ConfigMap entry, as written: no flag fills an empty Audience or a
// missing UseRegionalSTS (docs/behaviour.md §3).
Identity fromConfigMap(const ConfigMapRole& mapping, const IdentityOptions& options) {
  Identity identity;
  identity.role_arn = composeRoleArn(mapping.role_arn, options);
  identity.audience = std::string(mapping.audience);
  identity.regional_sts = mapping.use_regional_sts;
  identity.token_expiration = mappedExpiration(mapping);
  return identity;
}

// Pod Identity's expiration and regional STS (docs/behaviour.md §4): a known ServiceAccount's
// annotations (else the flags); without one, the exact-namespace ConfigMap entry; else
// 24 h and no regional STS.
Identity podIdentity(const IdentityFacts& facts, const IdentityOptions& options) {
  // With no ServiceAccount and no entry, the Go webhook's 24 h, whatever --token-expiration says.
  constexpr std::int64_t kPodIdentityUnknownAccountExpiration = 86400;
  Identity identity;
  identity.mode = IdentityMode::kPodIdentity;
  if (const Annotations* annotations = facts.service_account_annotations) {
    const std::string& prefix = options.annotation_prefix;
    identity.regional_sts =
        boolAnnotation(annotation(annotations, prefix, kStsRegionalEndpointsAnnotation),
                       options.default_regional_sts);
    identity.token_expiration =
        expirationAnnotation(annotation(annotations, prefix, kTokenExpirationAnnotation));
  } else if (facts.config_map && !facts.config_map->any_namespace) {
    identity.regional_sts = facts.config_map->use_regional_sts;
    identity.token_expiration = mappedExpiration(*facts.config_map);
  } else {
    identity.token_expiration = kPodIdentityUnknownAccountExpiration;
  }
  return identity;
}

}  // namespace

// --- Rule: which requests are mutated (docs/behaviour.md §5). --------------------------------
bool isPodCreate(std::string_view kind_group, std::string_view kind, std::string_view sub_resource,
                 std::string_view operation) {
  return kind_group.empty() && kind == "Pod" && sub_resource.empty() && operation == "CREATE";
}

// --- Rule: the Pod's ServiceAccount (docs/behaviour.md §2). ----------------------------------
PodServiceAccount serviceAccountOf(const json& pod, std::string_view request_namespace) {
  const json& spec = memberOrNull(pod, "spec");
  PodServiceAccount account;
  account.namespace_name = request_namespace.empty()
                               ? std::string(stringAt(memberOrNull(pod, "metadata"), "namespace"))
                               : std::string(request_namespace);
  std::string_view name = stringAt(spec, "serviceAccountName");
  if (name.empty()) name = stringAt(spec, "serviceAccount");
  account.name = name.empty() ? std::string("default") : std::string(name);
  return account;
}

// --- Rule: identity precedence (docs/behaviour.md §1 "Precedence", §3, §4). ------------------
bool consultsConfigMap(const Annotations* service_account_annotations,
                       const IdentityOptions& options) {
  const std::string* role =
      annotation(service_account_annotations, options.annotation_prefix, kRoleArnAnnotation);
  return role == nullptr || role->empty();
}

Resolution resolveIdentity(const IdentityFacts& facts, const IdentityOptions& options) {
  const Annotations* annotations = facts.service_account_annotations;
  Resolution resolution;
  resolution.service_account_found = annotations != nullptr;
  // Pod Identity wins over any role (docs/behaviour.md §4).
  if (facts.in_pod_identity_file) {
    resolution.identity = podIdentity(facts, options);
    return resolution;
  }
  // The whole identity comes from one source (docs/behaviour.md §3): the ServiceAccount's
  // own role, else the ConfigMap entry; fields are never mixed between them.
  const std::string* role = annotation(annotations, options.annotation_prefix, kRoleArnAnnotation);
  if (role != nullptr && !role->empty()) {
    resolution.identity = fromServiceAccount(*annotations, *role, options);
  } else if (facts.config_map && !facts.config_map->role_arn.empty()) {
    resolution.identity = fromConfigMap(*facts.config_map, options);
  }
  return resolution;
}

}  // namespace irsa::mutate
