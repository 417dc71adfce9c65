#pragma once

// Every metric a module publishes besides the server's own, registered in one place.

#include <cstddef>

#include "irsa/kube/api_client.h"
#include "irsa/kube/service_account_cache.h"
#include "irsa/server/metrics.h"

namespace irsa::app {

void registerKubeMetrics(server::MetricsRegistry& metrics, const kube::ApiClient& client,
                         const kube::ServiceAccountCache& cache);

// Process-wide metrics, whichever source the ServiceAccounts come from.
void registerProcessMetrics(server::MetricsRegistry& metrics);

// With --service-accounts-file the cache size is the file's, fixed at start.
void registerStaticServiceAccountMetrics(server::MetricsRegistry& metrics, std::size_t size);

}  // namespace irsa::app
