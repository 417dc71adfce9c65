#pragma once

// The EC2 instance metadata service (IMDS), read once at start by --compose-role-arn for the
// account and partition a bare role name is completed with.

#include <string>

#include "irsa/status/result.h"

namespace irsa::aws {

struct InstanceIdentity {
  std::string account_id;
  std::string region;
  std::string partition;
};

// IMDSv2: PUT /latest/api/token, then GET /latest/dynamic/instance-identity/document.
// `endpoint` is e.g. http://169.254.169.254 (tests point it at a local server).
Result<InstanceIdentity> fetchInstanceIdentity(const std::string& endpoint);

// aws-cn for cn-*, aws-us-gov for us-gov-*, aws-iso(-b) for us-iso(b)-*, aws-eusc for
// eusc-*, else aws.
std::string partitionForRegion(const std::string& region);

}  // namespace irsa::aws
