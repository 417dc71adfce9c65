#pragma once

// The three stages of one AdmissionReview, one representation each:
//   bytes --decodeReview--> Request --decide(facts)--> Decision --encodeReview--> bytes
// Transport (HTTP method, content type, body size, TLS) is the server's; the facts (what
// the identity sources know about the Pod's ServiceAccount) are looked up between decode
// and decide, so that both stay pure.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "irsa/admission/identity_lookup.h"
#include "irsa/admission/outcome.h"
#include "irsa/json/filtered_json.h"
#include "irsa/mutate/build_patch.h"
#include "irsa/mutate/decision.h"
#include "irsa/mutate/options.h"
#include "irsa/status/result.h"

namespace irsa::admission {

struct ReviewLimits {
  // Pods nest about 10 levels deep; 100 leaves room for CRD-like extensions while keeping
  // a hostile `[[[[...` from costing anything.
  std::size_t max_nesting_depth = 100;
};

// How bodies are read: the fields the rules use (everything else is validated but not
// built) and the nesting limit. Built once per process.
struct ReviewFormat {
  ReviewFormat(const mutate::MutationOptions& options, ReviewLimits limits);

  json::JsonFilter fields_read;
  std::size_t max_nesting_depth;
};

// Stage 1: what the AdmissionReview asks.
struct Request {  // NOLINT(bugprone-exception-escape): nlohmann::json's move, as json::FilteredJson
  std::string api_version;  // echoed in the response
  std::string uid;
  bool pod_create = false;  // mutate::isPodCreate; the fields below are set only then
  nlohmann::json pod;       // request.object, as read through mutate::podFieldsRead
  std::string pod_name;     // metadata.name, or generateName for Pods named by the server
  mutate::PodServiceAccount service_account;
};

// Stage 2: what the webhook answers. The strings view the Request it was decided for.
struct Decision {
  std::string_view api_version;
  std::string_view uid;
  Outcome outcome = Outcome::kIgnored;  // never kRejected: that is a decode error
  mutate::MutationResult mutation;      // empty unless the Pod had an identity
};

// A body that is not a well-formed AdmissionReview is an invalidArgument status whose
// message is one line naming the problem (docs/behaviour.md §5).
Result<Request> decodeReview(std::string_view body, const ReviewFormat& format);

// Pure: `facts` is what the identity sources returned for request.service_account.
Decision decide(const Request& request, const LookupResult& facts,
                const mutate::MutationOptions& options, const mutate::RandomInt& random_int);

// The AdmissionReview response: apiVersion echoed, allowed, and the base64 JSON patch with
// its audit annotations and warnings when there is one.
std::string encodeReview(const Decision& decision);

}  // namespace irsa::admission
