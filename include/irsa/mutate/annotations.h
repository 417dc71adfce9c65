#pragma once

// Every annotation and label name the webhook reads, named once (docs/behaviour.md §1, §4).
// Annotation names are relative to --annotation-prefix ("eks.amazonaws.com" by default);
// annotationKey() qualifies them.

#include <string>
#include <string_view>

namespace irsa::mutate {

// On ServiceAccounts (docs/behaviour.md §1).
inline constexpr std::string_view kRoleArnAnnotation = "role-arn";
inline constexpr std::string_view kAudienceAnnotation = "audience";
inline constexpr std::string_view kStsRegionalEndpointsAnnotation = "sts-regional-endpoints";
// On ServiceAccounts and Pods; the Pod's wins (docs/behaviour.md §1, "Precedence").
inline constexpr std::string_view kTokenExpirationAnnotation = "token-expiration";
// On Pods only.
inline constexpr std::string_view kSkipContainersAnnotation = "skip-containers";

// The label Pod Identity Pods get (docs/behaviour.md §4). Fixed: it does not follow
// --annotation-prefix, as in the Go webhook.
inline constexpr std::string_view kPodIdentityLabel = "eks.amazonaws.com/pod-identity";
inline constexpr std::string_view kPodIdentityLabelValue = "enabled";

// "<prefix>/<name>", the key as it appears in metadata.annotations.
inline std::string annotationKey(std::string_view prefix, std::string_view name) {
  std::string key;
  key.reserve(prefix.size() + 1 + name.size());
  key.append(prefix).append("/").append(name);
  return key;
}

}  // namespace irsa::mutate
