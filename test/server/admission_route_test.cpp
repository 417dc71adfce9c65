// The /mutate layers without a socket: transport checks, status mapping, the exception
// barrier and the counters.

#include "server/admission_route.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace irsa::server {
namespace {

const std::string kPodReview = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
  "request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"ns",
  "operation":"CREATE","object":{"metadata":{"name":"p"},
  "spec":{"serviceAccountName":"app","containers":[{"name":"c"}]}}}})";

admission::ReviewHandler makeHandler(bool throws = false) {
  return admission::ReviewHandler(
      mutate::MutationOptions{},
      [throws](const std::string&, const std::string& sa) {
        if (throws) throw std::runtime_error("boom");
        admission::LookupResult result;
        if (sa == "app") {
          mutate::Identity identity;
          identity.role_arn = "arn:aws:iam::111122223333:role/app";
          identity.audience = "sts.amazonaws.com";
          result.identity = identity;
        }
        return result;
      },
      [](std::int64_t, std::int64_t high) { return high; });
}

AdmissionExchange post(const AdmissionStage& stage, std::string_view content_type,
                       std::string_view body, std::string_view method = "POST") {
  return stage(HttpRequest{method, "/mutate", content_type, body});
}

TEST(AdmissionEndpoint, WrongMethodIs405) {
  const auto handler = makeHandler();
  const AdmissionStage endpoint = admissionEndpoint(handler);
  const AdmissionExchange get = post(endpoint, "application/json", "", "GET");
  EXPECT_EQ(get.response.status, 405);
  EXPECT_EQ(get.response.body, "method GET not allowed; use POST\n");
  EXPECT_FALSE(get.review.has_value()) << "admission never saw it";
  EXPECT_EQ(post(endpoint, "application/json", kPodReview, "PUT").response.status, 405);
}

TEST(AdmissionEndpoint, ContentTypeIsChecked) {
  const auto handler = makeHandler();
  const AdmissionStage endpoint = admissionEndpoint(handler);
  EXPECT_EQ(post(endpoint, "text/plain", kPodReview).response.status, 415);
  EXPECT_EQ(post(endpoint, "text/plain", kPodReview).response.body,
            "unsupported content type \"text/plain\"; expected application/json\n");
  EXPECT_EQ(post(endpoint, "", kPodReview).response.status, 415);
  EXPECT_EQ(post(endpoint, "application/jsonx", kPodReview).response.status, 415);
  EXPECT_EQ(post(endpoint, "application/json; charset=utf-8", kPodReview).response.status, 200);
  EXPECT_EQ(post(endpoint, "Application/JSON;charset=UTF-8", kPodReview).response.status, 200);
}

TEST(AdmissionEndpoint, RejectedReviewIs400WithTheReasonOnOneLine) {
  const auto handler = makeHandler();
  const AdmissionExchange bad = post(admissionEndpoint(handler), "application/json", "{");
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(bad.response.content_type, "text/plain; charset=utf-8");
  ASSERT_TRUE(bad.review.has_value());
  EXPECT_EQ(bad.response.body, bad.review->reason + "\n");
}

TEST(AdmissionEndpoint, ReviewIs200Json) {
  const auto handler = makeHandler();
  const AdmissionExchange ok = post(admissionEndpoint(handler), "application/json", kPodReview);
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.response.content_type, "application/json");
  ASSERT_TRUE(ok.review.has_value());
  EXPECT_EQ(ok.review->outcome, admission::Outcome::kMutated);
  EXPECT_EQ(ok.response.body.rfind(R"({"apiVersion":"admission.k8s.io/v1")", 0), 0u);
}

TEST(ExceptionBarrier, ThrowingHandlerIs500CountedAndTheNextRequestIsServed) {
  const auto throwing = makeHandler(true);
  const auto working = makeHandler(false);
  std::atomic<std::uint64_t> exceptions{0};
  const AdmissionStage failing = withExceptionBarrier(admissionEndpoint(throwing), exceptions);
  const AdmissionExchange failed = post(failing, "application/json", kPodReview);
  EXPECT_EQ(failed.response.status, 500);
  EXPECT_EQ(failed.response.body.find('\n'), failed.response.body.size() - 1);
  EXPECT_FALSE(failed.review.has_value());
  EXPECT_EQ(exceptions.load(), 1u);
  // A request the handler does not throw on passes the barrier unchanged.
  EXPECT_EQ(post(failing, "application/json", "{").response.status, 400)
      << "a rejected body never reaches the lookup";
  const AdmissionStage passing = withExceptionBarrier(admissionEndpoint(working), exceptions);
  EXPECT_EQ(post(passing, "application/json", kPodReview).response.status, 200);
  EXPECT_EQ(exceptions.load(), 1u);
}

TEST(Metrics, CountIdentitiesAndMissingServiceAccountsFromTheTypedOutcome) {
  const auto handler = makeHandler();
  MetricsRegistry registry;
  std::atomic<std::uint64_t> web{0};
  std::atomic<std::uint64_t> pod_identity{0};
  std::atomic<std::uint64_t> missing{0};
  const AdmissionStage stage = withMetrics(admissionEndpoint(handler),
                                           AdmissionCounters{registry, web, pod_identity, missing});
  const AdmissionExchange ok = post(stage, "application/json", kPodReview);
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_GE(ok.seconds, 0.0);
  EXPECT_EQ(web.load(), 1u);
  EXPECT_EQ(pod_identity.load(), 0u);
  EXPECT_EQ(missing.load(), 0u);
  post(stage, "application/json", "{");
  EXPECT_NE(registry.render().find("irsa_webhook_admission_duration_seconds_count 1"),
            std::string::npos)
      << "rejected reviews are not timed";
}

}  // namespace
}  // namespace irsa::server
