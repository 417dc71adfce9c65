#pragma once

// What happened to one /mutate request, in admission's own words: the server maps it to a
// status code, metrics and the per-request log line without knowing the rules.

#include <string>

namespace irsa::admission {

enum class Outcome {
  kMutated,    // a Pod CREATE that got a patch
  kUnchanged,  // a Pod CREATE that needed nothing (no identity, or already configured)
  kIgnored,    // not a Pod CREATE (other kind, sub-resource, other operation)
  kRejected,   // not a well-formed AdmissionReview
};

const char* outcomeName(Outcome outcome);

// Which credentials the Pod was given an identity for (pod_identity_webhook_pod_count).
enum class Credentials { kNone, kWebIdentity, kPodIdentity };

struct ReviewResult {
  Outcome outcome = Outcome::kRejected;
  std::string body;    // the AdmissionReview response; empty when rejected
  std::string reason;  // when rejected: one line, no trailing newline

  std::string uid;
  std::string namespace_name;
  std::string pod_name;
  std::string service_account;
  bool service_account_found = true;
  Credentials credentials = Credentials::kNone;
};

}  // namespace irsa::admission
