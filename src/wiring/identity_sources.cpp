#include "wiring/identity_sources.h"

#include <spdlog/spdlog.h>

#include "irsa/identity/static_service_accounts.h"

namespace irsa::wiring {

IdentitySources makeIdentitySources(const config::Config& config,
                                    server::MetricsRegistry& metrics) {
  IdentitySources sources;
  sources.tls_cert = config.tls_cert;
  sources.tls_key = config.tls_key;

  identity::ResolverOptions resolver_options;
  resolver_options.annotation_prefix = config.annotation_prefix;
  resolver_options.default_audience = config.token_audience;
  resolver_options.default_regional_sts = config.sts_regional_endpoint;

  if (!config.service_accounts_file.empty()) {
    auto loaded = identity::StaticServiceAccounts::fromFile(config.service_accounts_file,
                                                            config.annotation_prefix);
    if (auto* error = std::get_if<identity::StaticServiceAccountsError>(&loaded)) {
      sources.error = error->message;
      return sources;
    }
    auto accounts = std::move(std::get<std::unique_ptr<identity::StaticServiceAccounts>>(loaded));
    spdlog::info("using {} ServiceAccounts from {} (no Kubernetes API)", accounts->size(),
                 config.service_accounts_file);
    metrics.addCallback("irsa_webhook_service_account_cache_size", "gauge",
                        "ServiceAccounts known to the webhook.",
                        [size = static_cast<double>(accounts->size())] { return size; });
    sources.service_accounts = std::move(accounts);
  } else {
    sources.error =
        "no ServiceAccount source: pass --service-accounts-file, or --kubeconfig / in-cluster "
        "configuration once the Kubernetes API client is built in";
    return sources;
  }

  if (!config.watch_container_credentials_config.empty()) {
    sources.pod_identities =
        std::make_unique<identity::PodIdentityFile>(config.watch_container_credentials_config);
    sources.pod_identities->reload();
    sources.pod_identities->watch();
  }

  identity::ServiceAccountSource* service_accounts = sources.service_accounts.get();
  sources.readiness.push_back(
      [service_accounts](std::string* reason) { return service_accounts->ready(reason); });
  sources.resolver = std::make_unique<identity::IdentityResolver>(
      resolver_options, *sources.service_accounts, sources.role_mappings.get(),
      sources.pod_identities.get());
  return sources;
}

}  // namespace irsa::wiring
