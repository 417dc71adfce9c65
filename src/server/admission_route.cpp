#include "server/admission_route.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <exception>
#include <string>

namespace irsa::server {
namespace {

HttpResponse plainText(int status, std::string line) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(line) + "\n";
  return response;
}

// 405 and 415 are refused before admission sees the body (docs/behaviour.md §5).
struct Refusal {
  int status;
  std::string reason;
};

std::optional<Refusal> transportRefusal(const HttpRequest& request) {
  if (request.method != "POST")
    return Refusal{405, "method " + std::string(request.method) + " not allowed; use POST"};
  if (!isJsonContentType(request.content_type)) {
    return Refusal{415, "unsupported content type \"" + std::string(request.content_type) +
                            "\"; expected application/json"};
  }
  return std::nullopt;
}

}  // namespace

bool isJsonContentType(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  std::string_view media_type = content_type.substr(0, semicolon);
  while (!media_type.empty() && std::isspace(static_cast<unsigned char>(media_type.front()))) {
    media_type.remove_prefix(1);
  }
  while (!media_type.empty() && std::isspace(static_cast<unsigned char>(media_type.back()))) {
    media_type.remove_suffix(1);
  }
  constexpr std::string_view kJson = "application/json";
  if (media_type.size() != kJson.size()) return false;
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media_type[i])) != kJson[i]) return false;
  }
  return true;
}

AdmissionStage admissionEndpoint(const admission::ReviewHandler& handler) {
  return [&handler](const HttpRequest& request) {
    AdmissionExchange exchange;
    if (auto refusal = transportRefusal(request)) {
      exchange.response = plainText(refusal->status, refusal->reason);
      exchange.refusal = std::move(refusal->reason);
      return exchange;
    }
    admission::ReviewResult review = handler.handle(request.body);
    if (review.outcome == admission::Outcome::kRejected) {
      exchange.response = plainText(400, review.reason);
    } else {
      exchange.response.content_type = "application/json";
      exchange.response.body = std::move(review.body);
    }
    exchange.review = std::move(review);
    return exchange;
  };
}

AdmissionStage withExceptionBarrier(AdmissionStage next, std::atomic<std::uint64_t>& exceptions) {
  return [next = std::move(next), &exceptions](const HttpRequest& request) {
    // A copy: the exception object, and the text what() points into, ends with its handler.
    std::string what = "an exception that is not a std::exception";
    try {
      return next(request);
    } catch (const std::exception& error) {
      what = error.what();
    } catch (...) {  // NOLINT(bugprone-empty-catch): reported below like the others
    }
    exceptions.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("admission handler failed: {}", what);
    AdmissionExchange failed;
    failed.response = plainText(500, "internal error while handling the AdmissionReview");
    return failed;
  };
}

AdmissionStage withMetrics(AdmissionStage next, AdmissionCounters counters) {
  return [next = std::move(next), counters](const HttpRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    AdmissionExchange exchange = next(request);
    exchange.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!exchange.review) return exchange;
    const admission::ReviewResult& review = *exchange.review;
    if (review.outcome != admission::Outcome::kRejected)
      counters.registry.observeAdmissionSeconds(exchange.seconds);
    // Like the Go webhook, a Pod counts once an identity is found for it, whether or not
    // its containers already had everything.
    if (review.credentials == admission::Credentials::kWebIdentity)
      counters.web_identity.fetch_add(1, std::memory_order_relaxed);
    if (review.credentials == admission::Credentials::kPodIdentity)
      counters.container_credentials.fetch_add(1, std::memory_order_relaxed);
    if (!review.service_account_found)
      counters.missing_service_account.fetch_add(1, std::memory_order_relaxed);
    return exchange;
  };
}

AdmissionStage withRequestLog(AdmissionStage next) {
  return [next = std::move(next)](const HttpRequest& request) {
    AdmissionExchange exchange = next(request);
    if (!exchange.refusal.empty()) {
      spdlog::warn("admission request rejected with {}: {}", exchange.response.status,
                   exchange.refusal);
    }
    if (!exchange.review) return exchange;  // refused, or the barrier logged the failure
    const admission::ReviewResult& review = *exchange.review;
    if (review.outcome == admission::Outcome::kRejected) {
      spdlog::warn("admission request rejected with {}: {}", exchange.response.status,
                   review.reason);
    } else {
      spdlog::debug(
          "admission uid={} namespace={} pod={} serviceaccount={} outcome={} took={:.3f}ms",
          review.uid, review.namespace_name, review.pod_name, review.service_account,
          admission::outcomeName(review.outcome), exchange.seconds * 1000);
    }
    return exchange;
  };
}

}  // namespace irsa::server
