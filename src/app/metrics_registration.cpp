#include "app/metrics_registration.h"

#include <atomic>
#include <cstdint>

#include "irsa/concurrency/exception_barrier.h"

namespace irsa::app {
namespace {

// Every counter of these structs is exported below; one added without a metric fails
// to compile here (and test/app/metrics_registration_test.cpp lists each by name).
using Counter = std::atomic<std::uint64_t>;
static_assert(sizeof(kube::ServiceAccountCacheStats) == 6 * sizeof(Counter),
              "export the new ServiceAccountCacheStats counter in registerKubeMetrics");
static_assert(sizeof(kube::ReflectorStats) == 5 * sizeof(Counter),
              "export the new ReflectorStats counter in registerKubeMetrics");
static_assert(sizeof(kube::ApiClientStats) == 3 * sizeof(Counter),
              "export the new ApiClientStats counter in registerKubeMetrics");

double valueOf(const Counter& counter) {
  return static_cast<double>(counter.load(std::memory_order_relaxed));
}

void registerCacheMissMetrics(server::MetricsRegistry& metrics,
                              const kube::ServiceAccountCache& cache) {
  const kube::ServiceAccountCacheStats* stats = &cache.stats();
  metrics.addCallback("irsa_webhook_cache_misses_total", "counter",
                      "Lookups of ServiceAccounts not in the cache.",
                      [stats] { return valueOf(stats->misses); });
  metrics.addCallback("irsa_webhook_cache_miss_gets_total", "counter",
                      "GETs of one ServiceAccount issued for cache misses (concurrent misses "
                      "of one ServiceAccount share a GET).",
                      [stats] { return valueOf(stats->direct_gets); });
  metrics.addCallback("irsa_webhook_cache_misses_found_total", "counter",
                      "Cache misses resolved within the lookup grace period, by the watch or "
                      "the GET.",
                      [stats] { return valueOf(stats->found_after_wait); });
  metrics.addCallback("irsa_webhook_cache_misses_refused_total", "counter",
                      "Cache misses answered at once as not found because the GET queue "
                      "was full.",
                      [stats] { return valueOf(stats->refused_misses); });
  metrics.addCallback("irsa_webhook_cache_lookups_before_sync_total", "counter",
                      "Lookups that arrived before the first full LIST and waited for it.",
                      [stats] { return valueOf(stats->lookups_before_sync); });
  metrics.addCallback("irsa_webhook_cache_lookups_unsynced_total", "counter",
                      "Lookups answered before the first full LIST finished (the sync wait ran "
                      "out): answered from a direct GET, or as not found.",
                      [stats] { return valueOf(stats->lookups_unsynced); });
}

}  // namespace

void registerKubeMetrics(server::MetricsRegistry& metrics, const kube::ApiClient& client,
                         const kube::ServiceAccountCache& cache) {
  const kube::ServiceAccountCache* c = &cache;
  const kube::ReflectorStats* reflector = &cache.reflectorStats();
  const kube::ApiClientStats* api = &client.stats();
  metrics.addCallback("irsa_webhook_service_account_cache_size", "gauge",
                      "ServiceAccounts in the cache.",
                      [c] { return static_cast<double>(c->size()); });
  metrics.addCallback("irsa_webhook_service_account_cache_synced", "gauge",
                      "1 once the first full LIST of ServiceAccounts completed.",
                      [c] { return c->synced() ? 1.0 : 0.0; });
  metrics.addCallback("irsa_webhook_watch_restarts_total", "counter",
                      "ServiceAccount watch restarts.",
                      [reflector] { return valueOf(reflector->watch_restarts); });
  metrics.addCallback("irsa_webhook_relists_total", "counter", "Full LISTs of ServiceAccounts.",
                      [reflector] { return valueOf(reflector->lists); });
  metrics.addCallback("irsa_webhook_resyncs_total", "counter",
                      "Resync periods passed (they ask the API server for nothing).",
                      [reflector] { return valueOf(reflector->resyncs); });
  metrics.addCallback("irsa_webhook_watch_events_total", "counter",
                      "ServiceAccount ADDED, MODIFIED and DELETED watch events received.",
                      [reflector] { return valueOf(reflector->events); });
  metrics.addCallback("irsa_webhook_list_watch_failures_total", "counter",
                      "Failed ServiceAccount LISTs, WATCHes answered with an HTTP error, and "
                      "exceptions in the ServiceAccount reflector.",
                      [reflector] { return valueOf(reflector->failures); });
  registerCacheMissMetrics(metrics, cache);
  metrics.addCallback("irsa_webhook_kube_api_requests_total", "counter", "Kubernetes API requests.",
                      [api] { return valueOf(api->requests); });
  metrics.addCallback("irsa_webhook_kube_api_errors_total", "counter",
                      "Kubernetes API requests that failed (transport errors and 5xx).",
                      [api] { return valueOf(api->errors); });
  metrics.addCallback("irsa_webhook_kube_api_request_seconds_total", "counter",
                      "Total time spent in Kubernetes API requests (divide by the request count).",
                      [api] { return valueOf(api->latency_micros_total) / 1e6; });
}

void registerProcessMetrics(server::MetricsRegistry& metrics) {
  metrics.addCallback("irsa_webhook_background_exceptions_total", "counter",
                      "Exceptions caught by the exception barrier of a background thread or "
                      "task (logged; the thread carries on).",
                      [] { return static_cast<double>(concurrency::backgroundFailures()); });
}

void registerStaticServiceAccountMetrics(server::MetricsRegistry& metrics, std::size_t size) {
  metrics.addCallback("irsa_webhook_service_account_cache_size", "gauge",
                      "ServiceAccounts known to the webhook.",
                      [size = static_cast<double>(size)] { return size; });
}

}  // namespace irsa::app
