#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "irsa/status/result.h"
#include "irsa/tls/tls_settings.h"

namespace irsa::config {

// Every command-line setting. Names and defaults of the flags shared with
// amazon-eks-pod-identity-webhook are a compatibility contract (docs/behaviour.md §1).
struct Config {
  // Serving
  int port = 443;
  int metrics_port = 9999;
  std::string bind_address = "::";  // dual-stack; 0.0.0.0 where there is no IPv6
  std::string tls_cert = "/etc/webhook/certs/tls.crt";
  std::string tls_key = "/etc/webhook/certs/tls.key";
  tls::Version tls_min_version = tls::Version::kTls12;
  tls::CipherSuites tls_cipher_suites;  // empty: ECDHE with AEAD only (docs/security.md)
  std::string client_ca_file;           // set: /mutate requires a client certificate
  int worker_threads = 64;
  std::int64_t max_request_bytes = std::int64_t{3} * 1024 * 1024;
  std::chrono::milliseconds shutdown_drain_delay{5000};
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};

  // Kubernetes API
  std::string kubeconfig;
  std::string kube_api;
  bool in_cluster = false;
  double kube_api_qps = 50;
  int kube_api_burst = 50;
  std::string namespace_name = "eks";
  std::string service_name = "pod-identity-webhook";
  std::chrono::milliseconds resync_period{60000};
  std::chrono::milliseconds service_account_lookup_grace_period{100};
  std::chrono::milliseconds cache_sync_wait{2000};
  std::string service_accounts_file;  // static ServiceAccounts instead of the API

  // Mutation
  std::string annotation_prefix = "eks.amazonaws.com";
  std::string token_audience = "sts.amazonaws.com";
  std::string token_mount_path = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
  std::int64_t token_expiration = 86400;
  std::string aws_default_region;
  bool sts_regional_endpoint = false;
  bool watch_config_map = false;
  bool compose_role_arn = false;
  std::string imds_endpoint;  // empty: the AWS SDK's variables decide (docs/behaviour.md §1.4)

  // EKS Pod Identity
  std::string watch_container_credentials_config;
  std::string container_credentials_audience = "pods.eks.amazonaws.com";
  std::string container_credentials_token_mount_path =
      "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
  std::string container_credentials_token_volume_name = "eks-pod-identity-token";
  std::string container_credentials_token_path = "eks-pod-identity-token";
  std::string container_credentials_full_uri = "http://169.254.170.23/v1/credentials";

  // Certificates
  std::string cert_mode = "files";  // files | self-signed
  std::string webhook_config_name = "pod-identity-webhook";
  std::string cert_secret_name = "pod-identity-webhook-cert";

  // Operations
  bool enable_debugging_handlers = false;
  int verbosity = 0;
  std::string log_format = "text";  // text | json

  // Not flags: what the command line asked for besides running.
  bool show_version = false;
  bool show_help = false;
};

// Go flag/pflag semantics (docs/behaviour.md §1.1). A bad command line is an
// invalidArgument status whose message names the flag, e.g.
// "--port: invalid value \"x\": not an integer".
Result<Config> parseFlags(const std::vector<std::string>& args);

std::string usage();

}  // namespace irsa::config
