#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace irsa::mutate {

// Process-wide settings that shape the patch, taken from flags. Defaults equal the
// flag defaults of amazon-eks-pod-identity-webhook.
struct MutationOptions {
  std::string annotation_prefix = "eks.amazonaws.com";
  std::string token_mount_path = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
  std::int64_t default_token_expiration = 86400;
  // Empty: no AWS_DEFAULT_REGION / AWS_REGION injected.
  std::string aws_default_region;

  // EKS Pod Identity mode.
  std::string container_credentials_audience = "pods.eks.amazonaws.com";
  std::string container_credentials_token_mount_path =
      "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
  std::string container_credentials_token_volume_name = "eks-pod-identity-token";
  std::string container_credentials_token_path = "eks-pod-identity-token";
  std::string container_credentials_full_uri = "http://169.254.170.23/v1/credentials";
};

// Returns a uniformly distributed integer in [low, high]. Injected so that the jittered
// Pod Identity token expiration is deterministic in tests.
using RandomInt = std::function<std::int64_t(std::int64_t low, std::int64_t high)>;

}  // namespace irsa::mutate
