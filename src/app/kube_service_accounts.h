#pragma once

// The Kubernetes-backed ServiceAccount source: kube's informer cache seen as identity's
// ServiceAccountSource. It lives in the composition root so identity links no networking.

#include "irsa/identity/service_account.h"
#include "irsa/kube/service_account_cache.h"

namespace irsa::app {

class KubeServiceAccounts : public identity::ServiceAccountSource {
 public:
  explicit KubeServiceAccounts(kube::ServiceAccountCache& cache) : cache_(cache) {}

  std::optional<identity::ServiceAccount> find(const std::string& namespace_name,
                                               const std::string& name) override {
    auto record = cache_.find(namespace_name, name);
    if (!record) return std::nullopt;
    identity::ServiceAccount account{
        std::move(record->namespace_name), std::move(record->name), {}};
    for (auto& [key, value] : record->annotations)
      account.annotations.emplace(std::move(key), std::move(value));
    return account;
  }

  Status ready() const override {
    if (cache_.synced()) return okStatus();
    const std::string error = cache_.lastError();
    return failedPrecondition("ServiceAccount cache not synced yet" +
                              (error.empty() ? std::string() : ": " + error));
  }

 private:
  kube::ServiceAccountCache& cache_;
};

}  // namespace irsa::app
