#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "irsa/admission/identity_lookup.h"
#include "irsa/json/filtered_json.h"
#include "irsa/mutate/identity.h"
#include "irsa/mutate/options.h"

namespace irsa::admission {

// What happened to one /mutate request, for metrics and the per-request log line.
enum class Outcome {
  kMutated,    // a Pod CREATE that got a patch
  kUnchanged,  // a Pod CREATE that needed nothing (no identity, or already configured)
  kIgnored,    // not a Pod CREATE (other kind, sub-resource, other operation)
  kRejected,   // not a well-formed AdmissionReview: an HTTP error status
};

struct ReviewResponse {
  int http_status = 200;
  std::string content_type = "application/json";
  std::string body;  // the AdmissionReview, or a one-line reason for error statuses

  Outcome outcome = Outcome::kRejected;
  std::string uid;
  std::string namespace_name;
  std::string pod_name;  // metadata.name, or generateName for Pods named by the server
  std::string service_account;
  bool service_account_found = true;
  bool has_identity = false;
  mutate::IdentityMode mode = mutate::IdentityMode::kWebIdentity;
};

struct ReviewLimits {
  // Pods nest about 10 levels deep; 100 leaves room for CRD-like extensions while keeping
  // a hostile `[[[[...` from costing anything.
  std::size_t max_nesting_depth = 100;
};

// Decodes an AdmissionReview (admission.k8s.io/v1 or v1beta1), applies the mutation
// rules to Pod CREATE requests and encodes the response. Thread-safe: one instance serves
// all worker threads.
class ReviewHandler {
 public:
  ReviewHandler(mutate::MutationOptions options, IdentityLookup lookup,
                mutate::RandomInt random_int, ReviewLimits limits = {});

  ReviewResponse handle(std::string_view method, std::string_view content_type,
                        std::string_view body) const;

 private:
  mutate::MutationOptions options_;
  IdentityLookup lookup_;
  mutate::RandomInt random_int_;
  ReviewLimits limits_;
  json::JsonFilter review_filter_;  // what handle() reads; built once
};

}  // namespace irsa::admission
