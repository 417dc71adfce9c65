#pragma once

#include <string>

namespace irsa::kube {

struct InstanceIdentity {
  std::string account_id;
  std::string region;
  std::string partition;
  std::string error;  // set when the lookup failed
};

// IMDSv2: PUT /latest/api/token, then GET /latest/dynamic/instance-identity/document.
// `endpoint` is e.g. http://169.254.169.254 (tests point it at a local server).
InstanceIdentity fetchInstanceIdentity(const std::string& endpoint);

// aws-cn for cn-*, aws-us-gov for us-gov-*, aws-iso(-b) for us-iso(b)-*, aws-eusc for
// eusc-*, else aws.
std::string partitionForRegion(const std::string& region);

}  // namespace irsa::kube
