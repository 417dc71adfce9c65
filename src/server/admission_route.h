#pragma once

// POST /mutate as a chain of layers around the admission handler, outermost first:
//   requestLog(metrics(exceptionBarrier(admissionEndpoint)))
// The endpoint does the transport checks (method 405, content type 415; size 413 is the
// HTTPS server's) and maps admission's typed outcome to a status; each wrapper does one
// thing and none of them knows the rules (docs/behaviour.md §5, §6).

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "irsa/admission/outcome.h"
#include "irsa/admission/review_handler.h"
#include "irsa/server/metrics.h"
#include "server/https_server.h"

namespace irsa::server {

// One /mutate exchange as the layers pass it outwards.
struct AdmissionExchange {
  HttpResponse response;
  std::optional<admission::ReviewResult>
      review;           // empty: refused before or failed inside admission
  std::string refusal;  // why the transport checks refused the request, for the log line
  double seconds = 0;   // time in the handler, set by withMetrics
};

using AdmissionStage = std::function<AdmissionExchange(const HttpRequest&)>;

// True for "application/json" with optional parameters ("; charset=utf-8"), any case.
bool isJsonContentType(std::string_view content_type);

// Transport checks, the handler, and the status code for its outcome.
AdmissionStage admissionEndpoint(const admission::ReviewHandler& handler);

// Any exception from `next` becomes HTTP 500 with a one-line body and counts once in
// `exceptions`; the exchange carries no review then.
AdmissionStage withExceptionBarrier(AdmissionStage next, std::atomic<std::uint64_t>& exceptions);

// The Go webhook's counters (pod_identity_webhook_pod_count, ..._missing_sa_count) and the
// latency histogram, from the review's typed outcome.
struct AdmissionCounters {
  MetricsRegistry& registry;
  std::atomic<std::uint64_t>& web_identity;
  std::atomic<std::uint64_t>& container_credentials;
  std::atomic<std::uint64_t>& missing_service_account;
};
AdmissionStage withMetrics(AdmissionStage next, AdmissionCounters counters);

// One line per request: warn for rejected reviews, debug for the others.
AdmissionStage withRequestLog(AdmissionStage next);

}  // namespace irsa::server
