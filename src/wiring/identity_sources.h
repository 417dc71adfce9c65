#pragma once

// Builds the identity sources the flags ask for: static ServiceAccounts or the Kubernetes
// API cache, the ConfigMap mappings, the Pod Identity file, and (in self-signed mode) the
// certificates. Kept out of main.cpp so main stays a straight line.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/kube/api_client.h"
#include "irsa/server/metrics.h"

namespace irsa::wiring {

struct IdentitySources {
  std::string error;  // set when the flags cannot be honoured; main exits 1 with it

  std::unique_ptr<identity::ServiceAccountSource> service_accounts;
  std::unique_ptr<identity::RoleMappingStore> role_mappings;
  std::unique_ptr<identity::PodIdentityFile> pod_identities;
  std::unique_ptr<identity::IdentityResolver> resolver;

  std::shared_ptr<kube::ApiClient> api;  // set when the Kubernetes API is used

  // Where the serving certificate is read from (self-signed mode points at its own files).
  std::string tls_cert;
  std::string tls_key;

  // Readiness of every source: ServiceAccounts synced, ConfigMap synced when watched.
  std::vector<std::function<bool(std::string*)>> readiness;
  std::function<std::string()> debug_dump;
  std::vector<std::function<void()>> stoppers;
  // Keeps objects alive that only the callbacks above refer to.
  std::vector<std::shared_ptr<void>> owned;

  bool ready(std::string* reason) const {
    for (const auto& check : readiness) {
      if (!check(reason)) return false;
    }
    return true;
  }
  void stop() {
    for (auto it = stoppers.rbegin(); it != stoppers.rend(); ++it) (*it)();
    stoppers.clear();
  }
};

IdentitySources makeIdentitySources(const config::Config& config, server::MetricsRegistry& metrics);

}  // namespace irsa::wiring
