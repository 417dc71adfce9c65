#include "wiring/identity_sources.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "irsa/certs/self_signed_certificates.h"
#include "irsa/identity/kube_service_accounts.h"
#include "irsa/identity/static_service_accounts.h"
#include "irsa/kube/api_client.h"
#include "irsa/kube/config_map_watch.h"
#include "irsa/kube/instance_metadata.h"
#include "irsa/kube/service_account_cache.h"
#include "wiring/options_from_config.h"

namespace irsa::wiring {
namespace {

void publishCacheMetrics(server::MetricsRegistry& metrics, const kube::ApiClient& client,
                         const kube::ServiceAccountCache& cache) {
  const kube::ServiceAccountCache* c = &cache;
  const kube::ApiClient* api = &client;
  metrics.addCallback("irsa_webhook_service_account_cache_size", "gauge",
                      "ServiceAccounts in the cache.",
                      [c] { return static_cast<double>(c->size()); });
  metrics.addCallback("irsa_webhook_service_account_cache_synced", "gauge",
                      "1 once the first full LIST of ServiceAccounts completed.",
                      [c] { return c->synced() ? 1.0 : 0.0; });
  metrics.addCallback(
      "irsa_webhook_watch_restarts_total", "counter", "ServiceAccount watch restarts.",
      [c] { return static_cast<double>(c->reflectorStats().watch_restarts.load()); });
  metrics.addCallback("irsa_webhook_relists_total", "counter", "Full LISTs of ServiceAccounts.",
                      [c] { return static_cast<double>(c->reflectorStats().lists.load()); });
  metrics.addCallback("irsa_webhook_cache_misses_total", "counter",
                      "Lookups of ServiceAccounts not in the cache.",
                      [c] { return static_cast<double>(c->stats().misses.load()); });
  metrics.addCallback("irsa_webhook_kube_api_requests_total", "counter", "Kubernetes API requests.",
                      [api] { return static_cast<double>(api->stats().requests.load()); });
  metrics.addCallback("irsa_webhook_kube_api_errors_total", "counter",
                      "Kubernetes API requests that failed (transport errors and 5xx).",
                      [api] { return static_cast<double>(api->stats().errors.load()); });
  metrics.addCallback(
      "irsa_webhook_kube_api_request_seconds_total", "counter",
      "Total time spent in Kubernetes API requests (divide by the request count).",
      [api] { return static_cast<double>(api->stats().latency_micros_total.load()) / 1e6; });
}

}  // namespace

IdentitySources makeIdentitySources(const config::Config& config,
                                    server::MetricsRegistry& metrics) {
  IdentitySources sources;
  sources.tls_cert = config.tls_cert;
  sources.tls_key = config.tls_key;

  identity::ResolverOptions resolver_options = resolverOptions(config);

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
    if (config.watch_config_map) {
      spdlog::warn(
          "--watch-config-map needs the Kubernetes API; ignored with --service-accounts-file");
    }
  } else {
    auto client_config = kube::resolveClientConfig(config.kubeconfig, config.kube_api);
    if (auto* error = std::get_if<kube::ConfigError>(&client_config)) {
      sources.error = error->message;
      return sources;
    }
    auto& resolved = std::get<kube::ClientConfig>(client_config);
    spdlog::info("Kubernetes API {} ({})", resolved.server, resolved.origin);
    auto client =
        std::make_shared<kube::ApiClient>(resolved, config.kube_api_qps, config.kube_api_burst);
    sources.api = client;
    kube::ServiceAccountCacheOptions cache_options;
    cache_options.annotation_prefix = config.annotation_prefix;
    cache_options.resync_period = config.resync_period;
    cache_options.lookup_grace_period = config.service_account_lookup_grace_period;
    auto cache = std::make_shared<kube::ServiceAccountCache>(*client, cache_options);
    sources.owned.push_back(cache);
    sources.service_accounts = std::make_unique<identity::KubeServiceAccounts>(*cache);
    publishCacheMetrics(metrics, *client, *cache);
    sources.debug_dump = [cache] { return cache->dumpJson(); };
    cache->start();
    sources.stoppers.emplace_back([cache] { cache->stop(); });

    if (config.watch_config_map) {
      sources.role_mappings = std::make_unique<identity::RoleMappingStore>();
      identity::RoleMappingStore* store = sources.role_mappings.get();
      auto watch = std::make_shared<kube::ConfigMapWatch>(
          *client, config.namespace_name, "pod-identity-webhook", "config", config.resync_period,
          [store](const std::optional<std::string>& value) {
            auto parsed = identity::parseRoleMappings(value.value_or(""));
            if (auto* error = std::get_if<identity::RoleMappingsError>(&parsed)) {
              spdlog::error(
                  "ConfigMap pod-identity-webhook not applied, keeping the previous mappings: {}",
                  error->message);
              return;
            }
            auto mappings = std::get<identity::RoleMappings>(std::move(parsed));
            spdlog::info("ConfigMap pod-identity-webhook: {} mappings", mappings.size());
            store->replace(std::move(mappings));
          });
      sources.owned.push_back(watch);
      watch->start();
      sources.stoppers.emplace_back([watch] { watch->stop(); });
      sources.readiness.emplace_back([watch](std::string* reason) {
        if (watch->synced()) return true;
        *reason = "ConfigMap pod-identity-webhook not synced yet" +
                  (watch->lastError().empty() ? std::string() : ": " + watch->lastError());
        return false;
      });
    }
  }

  if (config.cert_mode == "self-signed") {
    if (!sources.api) {
      sources.error =
          "--cert-mode=self-signed stores certificates in a Secret and needs the Kubernetes API, "
          "not --service-accounts-file";
      return sources;
    }
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(config.tls_cert).parent_path(),
                                        ignored);
    auto certificates =
        std::make_shared<certs::SelfSignedCertificates>(*sources.api, selfSignedOptions(config));
    sources.owned.push_back(certificates);
    certificates->start();
    sources.stoppers.emplace_back([certificates] { certificates->stop(); });
    sources.readiness.emplace_back([certificates](std::string* reason) {
      if (certificates->ready()) return true;
      *reason = "built-in certificates not in place yet";
      return false;
    });
  }

  if (config.compose_role_arn) {
    const kube::InstanceIdentity instance = kube::fetchInstanceIdentity(config.imds_endpoint);
    if (!instance.error.empty()) {
      sources.error = "--compose-role-arn needs the account and region from instance metadata: " +
                      instance.error;
      return sources;
    }
    spdlog::info("composing bare role names as arn:{}:iam::{}:role/<name>", instance.partition,
                 instance.account_id);
    resolver_options.compose_role_arn =
        identity::AccountInfo{instance.partition, instance.account_id};
  }

  if (!config.watch_container_credentials_config.empty()) {
    sources.pod_identities =
        std::make_unique<identity::PodIdentityFile>(config.watch_container_credentials_config);
    sources.pod_identities->reload();
    sources.pod_identities->watch();
  }

  identity::ServiceAccountSource* service_accounts = sources.service_accounts.get();
  sources.readiness.emplace_back(
      [service_accounts](std::string* reason) { return service_accounts->ready(reason); });
  sources.resolver = std::make_unique<identity::IdentityResolver>(
      resolver_options, *sources.service_accounts, sources.role_mappings.get(),
      sources.pod_identities.get());
  return sources;
}

}  // namespace irsa::wiring
