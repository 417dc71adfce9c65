#include "irsa/aws/instance_metadata.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "aws/imds_exchange.h"

namespace irsa::aws {
namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kDocumentPath = "/latest/dynamic/instance-identity/document";
constexpr std::string_view kTokenHeader = "X-aws-ec2-metadata-token";
constexpr std::string_view kTokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

// The SDK's standard retryer retries these statuses and every transport error.
bool retryableStatus(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

bool successful(const ImdsReply& reply) {
  return reply.status >= 200 && reply.status < 300;
}

std::string describe(const ImdsReply& reply) {
  return reply.status != 0 ? "HTTP " + std::to_string(reply.status) : reply.transport_error;
}

struct Retried {
  ImdsReply reply;
  int attempts = 0;
};

using Attempt = std::function<Result<ImdsReply>()>;
using IsRetryable = std::function<bool(const ImdsReply&)>;

// One operation under the standard retryer (docs/behaviour.md §1.4): up to max_attempts,
// retry_delay apart, none past `deadline`. An error from `attempt` ends the operation.
Result<Retried> withRetries(const ImdsClientOptions& options, ImdsClock::time_point deadline,
                            const Attempt& attempt, const IsRetryable& retryable) {
  const auto timedOut = [&] {
    return deadlineExceeded("instance metadata " + options.endpoint.url + ": no answer within " +
                            std::to_string(options.operation_timeout.count()) + "ms");
  };
  for (int attempts = 1;; ++attempts) {
    Result<ImdsReply> reply = attempt();
    if (!reply.ok()) return reply.status();
    if (reply->deadline_exceeded) return timedOut();
    if (!retryable(*reply) || attempts >= options.max_attempts) {
      return Retried{std::move(reply).value(), attempts};
    }
    // Sleeping past the deadline could only end in the same error, later.
    if (ImdsClock::now() + options.retry_delay >= deadline) return timedOut();
    spdlog::debug("instance metadata: attempt {} failed ({}), retrying", attempts,
                  describe(*reply));
    std::this_thread::sleep_for(options.retry_delay);
  }
}

// The SDK's token provider for one call: a token once IMDS gives one, none (IMDSv1) when
// the token request is refused with 403/404/405 or cannot be sent (for the rest of the
// call), none for this attempt on other failures; HTTP 400 ends the call.
class TokenSession {
 public:
  TokenSession(const ImdsClientOptions& options, ImdsClock::time_point deadline)
      : options_(options), deadline_(deadline) {}

  // The token to send, nullopt for none.
  Result<std::optional<std::string>> token() {
    if (!enabled_ || token_) return token_;
    const ImdsRequest request{
        "PUT",
        std::string(kTokenPath),
        {{std::string(kTokenTtlHeader), std::to_string(options_.token_ttl_seconds)}}};
    Result<Retried> retried = withRetries(
        options_, deadline_,
        [&] { return Result<ImdsReply>(sendImdsRequest(options_, request, deadline_)); },
        [](const ImdsReply& reply) { return reply.status == 0 || retryableStatus(reply.status); });
    if (!retried.ok()) return retried.status();
    const ImdsReply& reply = retried->reply;
    if (successful(reply) && validTtl(reply.token_ttl)) {
      token_ = reply.body;
      return token_;
    }
    if (reply.status == 400) {
      return invalidArgument("instance metadata " + options_.endpoint.url +
                             ": token request refused with HTTP 400");
    }
    const bool fall_back =
        reply.status == 0 || reply.status == 403 || reply.status == 404 || reply.status == 405;
    if (fall_back) enabled_ = false;
    spdlog::warn(
        "instance metadata {}: token request failed ({}){}; {}", options_.endpoint.url,
        successful(reply) ? "no valid TTL header" : describe(reply),
        retried->attempts > 1 ? " after " + std::to_string(retried->attempts) + " attempts" : "",
        fall_back ? "falling back to IMDSv1" : "this attempt goes without a token");
    return std::optional<std::string>();
  }

  // After a 401 the SDK asks for a new token, even when it had fallen back to IMDSv1.
  void renew() {
    enabled_ = true;
    token_.reset();
  }

 private:
  static bool validTtl(const std::string& text) {
    long long seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
  }

  const ImdsClientOptions& options_;
  const ImdsClock::time_point deadline_;
  bool enabled_ = true;
  std::optional<std::string> token_;
};

Result<InstanceIdentity> parseIdentityDocument(const std::string& url, const std::string& body) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("accountId") ||
      !parsed["accountId"].is_string() || !parsed.contains("region") ||
      !parsed["region"].is_string()) {
    return unavailable("instance metadata " + url + ": identity document lacks accountId/region");
  }
  InstanceIdentity identity;
  identity.account_id = parsed["accountId"].get<std::string>();
  identity.region = parsed["region"].get<std::string>();
  identity.partition = partitionForRegion(identity.region);
  return identity;
}

}  // namespace

std::string partitionForRegion(const std::string& region) {
  auto starts = [&](const char* prefix) { return region.rfind(prefix, 0) == 0; };
  if (starts("cn-")) return "aws-cn";
  if (starts("us-gov-")) return "aws-us-gov";
  if (starts("us-isob-")) return "aws-iso-b";
  if (starts("us-iso-")) return "aws-iso";
  if (starts("eusc-")) return "aws-eusc";
  return "aws";
}

Result<InstanceIdentity> fetchInstanceIdentity(const ImdsClientOptions& options) {
  const ImdsClock::time_point deadline = ImdsClock::now() + options.operation_timeout;
  TokenSession tokens(options, deadline);
  const auto attempt = [&]() -> Result<ImdsReply> {
    Result<std::optional<std::string>> token = tokens.token();
    if (!token.ok()) return token.status();
    ImdsRequest request{"GET", std::string(kDocumentPath), {}};
    if (*token) request.headers.emplace_back(std::string(kTokenHeader), **token);
    ImdsReply reply = sendImdsRequest(options, request, deadline);
    if (reply.status == 401) tokens.renew();
    return reply;
  };
  Result<Retried> retried = withRetries(options, deadline, attempt, [](const ImdsReply& reply) {
    return reply.status == 0 || reply.status == 401 || retryableStatus(reply.status);
  });
  if (!retried.ok()) return retried.status();
  if (!successful(retried->reply)) {
    return unavailable("instance metadata " + options.endpoint.url +
                       ": identity document request failed (" + describe(retried->reply) +
                       (retried->attempts > 1
                            ? ", " + std::to_string(retried->attempts) + " attempts"
                            : std::string()) +
                       ")");
  }
  return parseIdentityDocument(options.endpoint.url, retried->reply.body);
}

}  // namespace irsa::aws
