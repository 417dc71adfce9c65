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

// Regional STS: SA annotation (a valid Go ParseBool spelling) > ConfigMap > flag.
bool regionalSts(const std::string* annotation_value, const ConfigMapRole* mapping,
                 const IdentityOptions& options) {
  if (annotation_value != nullptr) {
    if (const auto parsed = govalues::parseBool(*annotation_value)) return *parsed;
  }
  return (mapping != nullptr && mapping->use_regional_sts) || options.default_regional_sts;
}

// Expiration: SA annotation (Go ParseInt, as the Pod's, docs/behaviour.md §1.2) > ConfigMap
// (non-zero) > the flag, which the patch rules apply; always at least 600 s.
std::optional<std::int64_t> tokenExpiration(const std::string* annotation_value,
                                            const ConfigMapRole* mapping) {
  if (annotation_value != nullptr) {
    if (const auto parsed = govalues::parseInt64(*annotation_value))
      return clampTokenExpiration(*parsed);
  }
  if (mapping != nullptr && mapping->token_expiration != 0)
    return clampTokenExpiration(mapping->token_expiration);
  return std::nullopt;
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
  const std::string& prefix = options.annotation_prefix;
  Resolution resolution;
  resolution.service_account_found = annotations != nullptr;
  // The ConfigMap has a say only when the SA names no role itself; then every field of the
  // entry applies (docs/behaviour.md §3).
  const ConfigMapRole* mapping =
      facts.config_map && consultsConfigMap(annotations, options) ? &*facts.config_map : nullptr;

  Identity identity;
  identity.regional_sts = regionalSts(
      annotation(annotations, prefix, kStsRegionalEndpointsAnnotation), mapping, options);
  identity.token_expiration =
      tokenExpiration(annotation(annotations, prefix, kTokenExpirationAnnotation), mapping);

  // Pod Identity wins over any role (docs/behaviour.md §4).
  if (facts.in_pod_identity_file) {
    identity.mode = IdentityMode::kPodIdentity;
    resolution.identity = std::move(identity);
    return resolution;
  }

  const std::string* role = annotation(annotations, prefix, kRoleArnAnnotation);
  if (role != nullptr && !role->empty()) {
    identity.role_arn = composeRoleArn(*role, options);
  } else if (mapping != nullptr && !mapping->role_arn.empty()) {
    identity.role_arn = composeRoleArn(mapping->role_arn, options);
  } else {
    return resolution;
  }
  identity.mode = IdentityMode::kWebIdentity;
  // Audience: SA annotation (non-empty) > ConfigMap (non-empty) > flag.
  const std::string* audience = annotation(annotations, prefix, kAudienceAnnotation);
  if (audience != nullptr && !audience->empty()) {
    identity.audience = *audience;
  } else if (mapping != nullptr && !mapping->audience.empty()) {
    identity.audience = std::string(mapping->audience);
  } else {
    identity.audience = options.default_audience;
  }
  resolution.identity = std::move(identity);
  return resolution;
}

}  // namespace irsa::mutate
