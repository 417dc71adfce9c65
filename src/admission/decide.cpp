// Stage 2: Request + facts -> Decision. Pure; the rules themselves are in mutate.

#include "irsa/admission/review.h"

namespace irsa::admission {

Decision decide(const Request& request, const LookupResult& facts,
                const mutate::MutationOptions& options, const mutate::RandomInt& random_int) {
  Decision decision;
  decision.api_version = request.api_version;
  decision.uid = request.uid;
  if (!request.pod_create) {
    decision.outcome = Outcome::kIgnored;
    return decision;
  }
  decision.outcome = Outcome::kUnchanged;
  if (!facts.identity) return decision;
  decision.mutation = mutate::buildPatch(request.pod, *facts.identity, options, random_int);
  if (!decision.mutation.patch.empty()) decision.outcome = Outcome::kMutated;
  return decision;
}

}  // namespace irsa::admission
