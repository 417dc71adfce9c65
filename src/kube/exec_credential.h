#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "irsa/kube/client_config.h"
#include "irsa/status/result.h"

namespace irsa::kube {

struct ExecCredential {
  std::string token;
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expiry;
};

// Runs the plugin (with KUBERNETES_EXEC_INFO set), bounded by `timeout`, and parses the
// ExecCredential it prints. kUnavailable: the plugin could not be started or exited
// non-zero; kDeadlineExceeded: it ran past `timeout`; otherwise as parseExecCredential.
Result<ExecCredential> runExecPlugin(const ExecConfig& plugin, std::chrono::seconds timeout);

// Parses an ExecCredential document (exposed for tests). kInvalidArgument when the
// document is not JSON, has no status, no credential, or a malformed expiry.
Result<ExecCredential> parseExecCredential(const std::string& json_text);

// Parses RFC 3339 UTC timestamps as Kubernetes writes them ("2026-01-02T03:04:05Z").
std::optional<std::chrono::system_clock::time_point> parseRfc3339(const std::string& text);

}  // namespace irsa::kube
