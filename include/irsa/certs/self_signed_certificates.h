#pragma once

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "irsa/certs/generate.h"
#include "irsa/concurrency/stoppable_thread.h"
#include "irsa/kube/api_client.h"
#include "irsa/status/result.h"
#include "irsa/status/status.h"

namespace irsa::certs {

struct SelfSignedOptions {
  std::string namespace_name;
  std::string secret_name;
  std::string service_name;
  std::string webhook_config_name;
  std::string certificate_file;  // where the server reads tls.crt
  std::string key_file;          // and tls.key
  std::chrono::hours validity{24 * 365};
  std::chrono::hours renew_before{24 * 30};
  // Also how soon a caBundle reset by a manifest re-apply is repaired.
  std::chrono::minutes check_interval{1};
};

// Built-in certificate mode: keeps a CA and serving certificate in a Secret shared by all
// replicas (create if absent; the loser of a create race uses the winner's), writes the
// pair to local files for the server's certificate store, keeps the caBundle of the
// MutatingWebhookConfiguration current, and renews before expiry.
class SelfSignedCertificates {
 public:
  SelfSignedCertificates(kube::ApiClient& client, SelfSignedOptions options);
  ~SelfSignedCertificates();

  // One pass: Secret -> files -> caBundle.
  Status reconcile();
  // reconcile() now, then every check_interval (retrying sooner after failures).
  void start();
  void stop();
  bool ready() const { return ready_.load(); }

 private:
  // The pair in the Secret, created or renewed there when missing or due (a create or
  // update race is retried: the loser reads the winner's pair).
  Result<WebhookCertificates> sharedCertificates();
  kube::ApiResponse writeSecret(bool create, nlohmann::json& secret,
                                const WebhookCertificates& certificates,
                                const std::string& secret_path);
  // Points every webhook of the MutatingWebhookConfiguration at `ca_certificate`.
  Status updateCaBundle(const std::string& ca_certificate);

  kube::ApiClient& client_;
  const SelfSignedOptions options_;
  std::atomic<bool> ready_{false};
  concurrency::StoppableThread thread_;  // last: stops before the members it uses go away
};

}  // namespace irsa::certs
