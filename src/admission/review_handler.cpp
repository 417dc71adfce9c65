#include "irsa/admission/review_handler.h"

namespace irsa::admission {
namespace {

// Consumes the request: its strings move into the result once the response is encoded.
ReviewResult summarize(Request&& request, const LookupResult& facts, const Decision& decision) {
  ReviewResult result;
  result.body = encodeReview(decision);
  result.outcome = decision.outcome;
  result.uid = std::move(request.uid);
  result.namespace_name = std::move(request.service_account.namespace_name);
  result.pod_name = std::move(request.pod_name);
  result.service_account = std::move(request.service_account.name);
  result.service_account_found = facts.service_account_found;
  if (facts.identity) {
    result.credentials = facts.identity->mode == mutate::IdentityMode::kPodIdentity
                             ? Credentials::kPodIdentity
                             : Credentials::kWebIdentity;
  }
  return result;
}

}  // namespace

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kMutated:
      return "mutated";
    case Outcome::kUnchanged:
      return "unchanged";
    case Outcome::kIgnored:
      return "ignored";
    case Outcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

ReviewHandler::ReviewHandler(mutate::MutationOptions options, IdentityLookup lookup,
                             mutate::RandomInt random_int, ReviewLimits limits)
    : options_(std::move(options)),
      lookup_(std::move(lookup)),
      random_int_(std::move(random_int)),
      format_(options_, limits) {}

ReviewResult ReviewHandler::handle(std::string_view body) const {
  Result<Request> request = decodeReview(body, format_);
  if (!request.ok()) {
    ReviewResult rejected;
    rejected.outcome = Outcome::kRejected;
    rejected.reason = request.status().message();
    return rejected;
  }
  LookupResult facts;
  if (request->pod_create) {
    facts = lookup_(request->service_account.namespace_name, request->service_account.name);
  }
  const Decision decision = decide(*request, facts, options_, random_int_);
  return summarize(std::move(*request), facts, decision);
}

}  // namespace irsa::admission
