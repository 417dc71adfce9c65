#include "server/server_metrics.h"

#include <string>

namespace irsa::server {
namespace {

constexpr const char* kHttpRequests = "http_request_count";
constexpr const char* kPods = "pod_identity_webhook_pod_count";
constexpr const char* kMissingServiceAccounts = "pod_identity_webhook_missing_sa_count";
constexpr const char* kHandlerExceptions = "irsa_webhook_handler_exceptions_total";

std::string pathLabel(std::string_view path) {
  for (const char* known : {"/mutate", "/healthz", "/readyz", "/metrics"}) {
    if (path == known) return std::string(path);
  }
  return "other";
}

std::string verbLabel(std::string_view method) {
  for (const char* known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return std::string(method);
  }
  return "other";
}

}  // namespace

ServerMetrics registerServerMetrics(MetricsRegistry& registry) {
  registry.describe(kHttpRequests, "counter", "HTTP requests served, by verb, path and code.");
  registry.describe(kPods, "counter",
                    "Pod CREATEs given an identity, by method (sts_web_identity or "
                    "container_credentials).");
  registry.describe(kMissingServiceAccounts, "counter",
                    "Pod admissions whose ServiceAccount was not found.");
  registry.describe(kHandlerExceptions, "counter",
                    "Admission requests answered 500 because the handler threw.");
  return ServerMetrics{
      registry,
      registry.series(kHttpRequests, R"(verb="POST",path="/mutate",code="200")"),
      registry.series(kHandlerExceptions, ""),
      AdmissionCounters{
          registry,
          // The Go webhook's label values.
          registry.series(kPods, R"(method="sts_web_identity")"),
          registry.series(kPods, R"(method="container_credentials")"),
          registry.series(kMissingServiceAccounts, ""),
      },
  };
}

void countHttpRequest(const ServerMetrics& metrics, std::string_view method, std::string_view path,
                      int status) {
  if (status == 200 && method == "POST" && path == "/mutate") {
    metrics.mutate_ok.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  metrics.registry.increment(kHttpRequests, "verb=\"" + verbLabel(method) + "\",path=\"" +
                                                pathLabel(path) + "\",code=\"" +
                                                std::to_string(status) + "\"");
}

}  // namespace irsa::server
