#include "token_expiration.h"

#include "irsa/govalues/go_values.h"
#include "irsa/mutate/identity.h"

namespace irsa::mutate {
namespace {

// Pod Identity tokens default to 24 h; those are spread over the last 2 h of that so that
// the tokens of a large rollout do not all expire in the same second.
constexpr std::int64_t kPodIdentityDefaultExpiration = 86400;
constexpr std::int64_t kPodIdentityJitterLow = 79200;

}  // namespace

std::int64_t chooseTokenExpiration(const ExpirationInputs& inputs, const RandomInt& random_int,
                                   std::vector<std::string>& warnings) {
  std::optional<std::int64_t> chosen;
  if (inputs.pod_annotation != nullptr) chosen = govalues::parseInt64(*inputs.pod_annotation);
  if (!chosen) chosen = inputs.service_account;
  std::int64_t seconds = clampTokenExpiration(chosen.value_or(inputs.fallback));
  // kube-apiserver refuses the whole Pod for a longer projected token, so a typo in an
  // annotation would block every Pod of the ServiceAccount (docs/behaviour.md §1.2).
  if (seconds > kMaxTokenExpirationSeconds) {
    warnings.push_back("token expiration " + std::to_string(seconds) +
                       " s is above the API server's maximum for projected tokens; using " +
                       std::to_string(kMaxTokenExpirationSeconds) + " s");
    seconds = kMaxTokenExpirationSeconds;
  }
  if (inputs.jitter_default && seconds == kPodIdentityDefaultExpiration && random_int) {
    seconds = random_int(kPodIdentityJitterLow, kPodIdentityDefaultExpiration);
  }
  return seconds;
}

}  // namespace irsa::mutate
