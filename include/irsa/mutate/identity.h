#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace irsa::mutate {

// kubelet refuses a projected token that lives less than 10 minutes; every lifetime,
// wherever it comes from (flag, ServiceAccount, ConfigMap, Pod), is raised to this.
inline constexpr std::int64_t kMinTokenExpirationSeconds = 600;

// kube-apiserver refuses a projected token that lives longer than 2^32 seconds (and with it
// the Pod); the patch rules lower anything longer to this, with a warning.
inline constexpr std::int64_t kMaxTokenExpirationSeconds = std::int64_t{1} << 32;

// The minimum only: the maximum is applied once, where the warning can be given.
constexpr std::int64_t clampTokenExpiration(std::int64_t seconds) {
  return seconds < kMinTokenExpirationSeconds ? kMinTokenExpirationSeconds : seconds;
}

// Which credential mechanism a Pod is wired for. WebIdentity is classic IRSA
// (AWS_ROLE_ARN + projected token for sts:AssumeRoleWithWebIdentity); PodIdentity is
// the EKS Pod Identity agent (AWS_CONTAINER_CREDENTIALS_FULL_URI + token).
enum class IdentityMode { kWebIdentity, kPodIdentity };

// Everything the identity module resolved for one ServiceAccount, with the
// ServiceAccount-level precedence already applied (SA annotation > ConfigMap > flag).
// Pod-level overrides (token-expiration, skip-containers) are applied by the mutation
// rules because they come from the Pod itself.
struct Identity {
  IdentityMode mode = IdentityMode::kWebIdentity;
  // Web identity only: the role injected as AWS_ROLE_ARN (possibly not a valid ARN;
  // the mutation result then carries a warning).
  std::string role_arn;
  // Web identity only: token audience, from the one source the identity came from
  // (docs/behaviour.md §3). Empty: the volume names no audience (the API server's default).
  std::string audience;
  // Whether AWS_STS_REGIONAL_ENDPOINTS=regional is injected.
  bool regional_sts = false;
  // Token lifetime from the SA annotation (or ConfigMap), already parsed and raised to the
  // 600 s minimum (not yet lowered to the maximum). Empty means "not set at SA level": the
  // flag default applies.
  std::optional<std::int64_t> token_expiration;
};

}  // namespace irsa::mutate
