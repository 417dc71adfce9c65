#pragma once

// The EC2 instance metadata service (IMDS), read once at start by --compose-role-arn for the
// account and partition a bare role name is completed with. The client behaves as the AWS
// SDK for Go v2's, which the Go webhook uses (docs/behaviour.md §1.4).

#include <string>

#include "irsa/aws/imds_settings.h"
#include "irsa/status/result.h"

namespace irsa::aws {

struct InstanceIdentity {
  std::string account_id;
  std::string region;
  std::string partition;
};

// GET /latest/dynamic/instance-identity/document with an IMDSv2 token when IMDS gives one
// (PUT /latest/api/token), without one (IMDSv1) when the token request is refused with
// 403/404/405 or cannot be sent; 500/502/503/504, 401 and transport errors are retried
// (options.max_attempts in all, options.retry_delay apart), all within
// options.operation_timeout.
Result<InstanceIdentity> fetchInstanceIdentity(const ImdsClientOptions& options);

// aws-cn for cn-*, aws-us-gov for us-gov-*, aws-iso(-b) for us-iso(b)-*, aws-eusc for
// eusc-*, else aws.
std::string partitionForRegion(const std::string& region);

}  // namespace irsa::aws
