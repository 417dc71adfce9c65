#pragma once

// Every metric the server exports itself, declared in one place: names, label sets and
// HELP texts (the Go webhook's names where it has them). Other modules' series are
// registered by the app (src/app/metrics_registration.cpp).

#include <atomic>
#include <cstdint>
#include <string_view>

#include "irsa/server/metrics.h"
#include "server/admission_route.h"

namespace irsa::server {

// The admission latency histogram. MetricsRegistry keeps its buckets (they are fixed and
// lock-free) and renders it under this name and HELP text.
inline constexpr const char* kAdmissionLatencyName = "irsa_webhook_admission_duration_seconds";
inline constexpr const char* kAdmissionLatencyHelp =
    "Time to answer one AdmissionReview, in seconds.";

// The series the request path touches, looked up once so no request searches the registry.
struct ServerMetrics {
  MetricsRegistry& registry;
  // http_request_count{verb="POST",path="/mutate",code="200"}: nearly every request.
  std::atomic<std::uint64_t>& mutate_ok;
  // irsa_webhook_handler_exceptions_total.
  std::atomic<std::uint64_t>& handler_exceptions;
  // pod_identity_webhook_pod_count by method, pod_identity_webhook_missing_sa_count.
  AdmissionCounters admission;
};

// Declares the server's metric families in `registry` and creates their series.
ServerMetrics registerServerMetrics(MetricsRegistry& registry);

// Counts one answered request in http_request_count. Verb and path outside the known sets
// become "other": a client probing random paths must not grow the registry.
void countHttpRequest(const ServerMetrics& metrics, std::string_view method, std::string_view path,
                      int status);

}  // namespace irsa::server
