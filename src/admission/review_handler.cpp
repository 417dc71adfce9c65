#include "irsa/admission/review_handler.h"

namespace irsa::admission {
namespace {

ReviewResult summarize(const Request& request, const LookupResult& facts, Decision decision) {
  ReviewResult result;
  result.outcome = decision.outcome;
  result.uid = request.uid;
  result.namespace_name = request.service_account.namespace_name;
  result.pod_name = request.pod_name;
  result.service_account = request.service_account.name;
  result.service_account_found = facts.service_account_found;
  if (facts.identity) {
    result.credentials = facts.identity->mode == mutate::IdentityMode::kPodIdentity
                             ? Credentials::kPodIdentity
                             : Credentials::kWebIdentity;
  }
  result.body = encodeReview(decision);
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
  const Result<Request> request = decodeReview(body, format_);
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
  return summarize(*request, facts, decide(*request, facts, options_, random_int_));
}

}  // namespace irsa::admission
