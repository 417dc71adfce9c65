#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "irsa/json/filtered_json.h"
#include "irsa/mutate/identity.h"
#include "irsa/mutate/options.h"

namespace irsa::mutate {

// The outcome of applying the mutation rules to one Pod.
struct MutationResult {
  // RFC 6902 operations, each {"op":"add","path":...,"value":...}. Empty when the Pod
  // already has everything (no patch must then be sent).
  nlohmann::json patch = nlohmann::json::array();
  // Human-readable warnings for the admission response (kubectl prints them), e.g. an
  // invalid role ARN.
  std::vector<std::string> warnings;
  // Keys without a domain; the admission layer qualifies them (e.g. "mode", "role-arn").
  std::map<std::string, std::string> audit_annotations;
};

// Pure: applies every rule of docs/behaviour.md §2 and §4 to `pod` (a Pod object, as in
// AdmissionReview.request.object). Never throws on odd Pod shapes: fields of the wrong
// type are treated as absent where safe.
MutationResult buildPatch(const nlohmann::json& pod, const Identity& identity,
                          const MutationOptions& options, const RandomInt& random_int);

// The parts of a Pod that buildPatch reads, plus those that choose its ServiceAccount
// (metadata name/generateName/namespace, spec.serviceAccountName/serviceAccount). A Pod
// parsed through this filter gets the same patch as the whole Pod; the admission layer
// parses Pods this way so that images, probes and large annotations cost a scan only.
// Kept next to the rules: a rule that starts reading a new field must add it here (the
// conformance and bad-shape tests compare both ways on every fixture).
json::JsonFilter podFieldsRead(const MutationOptions& options);

// True when `arn` matches ^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$.
bool isValidRoleArn(const std::string& arn);

}  // namespace irsa::mutate
