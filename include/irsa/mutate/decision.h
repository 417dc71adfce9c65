#pragma once

// The request-level rules, pure functions of plain inputs: which requests are mutated,
// which ServiceAccount a Pod runs as, and which identity that ServiceAccount gives it.
// The server (admission) and `irsa-webhook mutate` both call these; the patch rules that
// follow are in build_patch.h.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "irsa/mutate/identity.h"

namespace irsa::mutate {

// Rule: only Pod CREATEs of the core group, not sub-resources (docs/behaviour.md §2).
bool isPodCreate(std::string_view kind_group, std::string_view kind, std::string_view sub_resource,
                 std::string_view operation);

struct PodServiceAccount {
  std::string namespace_name;  // empty when neither the request nor the Pod names one
  std::string name;
};

// Rule: spec.serviceAccountName, else the deprecated spec.serviceAccount, else "default";
// the namespace is the request's, else metadata.namespace (docs/behaviour.md §2). Fields of
// the wrong type count as absent.
PodServiceAccount serviceAccountOf(const nlohmann::json& pod, std::string_view request_namespace);

// Where a bare role name in role-arn is completed (--compose-role-arn).
struct AccountInfo {
  std::string partition;  // aws, aws-cn, aws-us-gov, ...
  std::string account_id;
};

struct IdentityOptions {
  std::string annotation_prefix = "eks.amazonaws.com";
  std::string default_audience = "sts.amazonaws.com";
  bool default_regional_sts = false;
  std::optional<AccountInfo> compose_role_arn;  // set only with --compose-role-arn
};

// The ConfigMap entry that matched the ServiceAccount (docs/behaviour.md §3). Views into
// the caller's entry.
struct ConfigMapRole {
  std::string_view role_arn;
  std::string_view audience;  // as written: empty stays empty (no audience in the token)
  bool use_regional_sts = false;
  std::int64_t token_expiration = 0;  // 0: the flag default
  bool any_namespace = false;         // matched through the "*" namespace
};

using Annotations = std::map<std::string, std::string>;

// What the identity sources know about one ServiceAccount.
struct IdentityFacts {
  const Annotations* service_account_annotations = nullptr;  // null: no such ServiceAccount
  std::optional<ConfigMapRole> config_map;
  bool in_pod_identity_file = false;
};

struct Resolution {
  std::optional<Identity> identity;  // empty: the Pod is left unchanged
  bool service_account_found = false;
};

// True when the ConfigMap has a say: the ServiceAccount names no role itself. A source
// may skip the ConfigMap lookup otherwise.
bool consultsConfigMap(const Annotations* service_account_annotations,
                       const IdentityOptions& options);

// Rule: identity precedence (docs/behaviour.md §1 "Precedence", §3, §4): Pod Identity file >
// SA role-arn > ConfigMap (exact namespace, then "*"). A web identity takes every field from
// the one source its role came from; Pod Identity takes expiration and regional STS from a
// known ServiceAccount, else the exact-namespace ConfigMap entry, else 24 h.
Resolution resolveIdentity(const IdentityFacts& facts, const IdentityOptions& options);

}  // namespace irsa::mutate
