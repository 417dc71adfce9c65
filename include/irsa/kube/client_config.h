#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "irsa/status/result.h"

namespace irsa::kube {

// A client credential plugin (kubeconfig `users[].user.exec`), as EKS kubeconfigs use for
// `aws eks get-token`.
struct ExecConfig {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version = "client.authentication.k8s.io/v1";
};

// How to reach and authenticate to one API server.
struct ClientConfig {
  std::string server;  // e.g. https://10.0.0.1:443
  std::string ca_pem;  // empty: the system trust store
  bool insecure_skip_tls_verify = false;
  std::string token;
  std::string token_file;  // re-read when it changes (bound tokens rotate)
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::optional<ExecConfig> exec;
  std::string origin;  // "kubeconfig <path>" or "in-cluster", for messages
};

// Every error message starts with where the configuration came from ("kubeconfig <path>: ",
// "in-cluster: ") so it can be logged as is.

// Parses kubeconfig text; relative file references resolve against `path`'s directory.
// kInvalidArgument: the text is not a usable kubeconfig; kNotFound: a file it names
// (CA, client certificate or key, tokenFile) cannot be read.
Result<ClientConfig> parseKubeconfig(const std::string& text, const std::string& path);
// kNotFound when `path` cannot be read, else as parseKubeconfig.
Result<ClientConfig> loadKubeconfig(const std::string& path);

struct InClusterFiles {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
};
// kFailedPrecondition when not running in a pod (KUBERNETES_SERVICE_HOST unset);
// kNotFound when the service account token or CA file cannot be read.
Result<ClientConfig> inClusterConfig(const InClusterFiles& files = {});

// The flags' rule: --kubeconfig if set, else in-cluster; --kube-api overrides the server.
Result<ClientConfig> resolveClientConfig(const std::string& kubeconfig,
                                         const std::string& kube_api);

}  // namespace irsa::kube
