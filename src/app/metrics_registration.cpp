#include "app/metrics_registration.h"

namespace irsa::app {

void registerKubeMetrics(server::MetricsRegistry& metrics, const kube::ApiClient& client,
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

void registerStaticServiceAccountMetrics(server::MetricsRegistry& metrics, std::size_t size) {
  metrics.addCallback("irsa_webhook_service_account_cache_size", "gauge",
                      "ServiceAccounts known to the webhook.",
                      [size = static_cast<double>(size)] { return size; });
}

}  // namespace irsa::app
