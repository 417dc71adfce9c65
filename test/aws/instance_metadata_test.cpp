#include "irsa/aws/instance_metadata.h"

#include <gtest/gtest.h>

#include <chrono>

#include "fake_imds.h"

namespace irsa::aws {
namespace {

using std::chrono::milliseconds;
using test::Answer;
using test::FakeImds;
using test::kDocumentPath;
using test::kTokenPath;
using Clock = std::chrono::steady_clock;

// The SDK's settings with a short retry delay, so retries cost milliseconds.
ImdsClientOptions optionsFor(const std::string& url) {
  Result<ImdsClientOptions> options = resolveImdsOptions(url, ImdsEnvironment{});
  EXPECT_TRUE(options.ok()) << options.status().message();
  ImdsClientOptions fast = options.valueOr(ImdsClientOptions{});
  fast.retry_delay = milliseconds(20);
  return fast;
}

TEST(InstanceMetadata, Imdsv2TokenThenIdentityDocument) {
  FakeImds imds;
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_EQ(identity->account_id, "123456789012");
  EXPECT_EQ(identity->region, "cn-north-1");
  EXPECT_EQ(identity->partition, "aws-cn");
  const auto requests = imds.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].path, kTokenPath);
  EXPECT_EQ(requests[0].token_ttl, "300");
  EXPECT_FALSE(requests[0].has_token);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].path, kDocumentPath);
  EXPECT_EQ(requests[1].token, "imds-token");
  EXPECT_EQ(requests[1].host, "127.0.0.1:" + std::to_string(imds.port()));
}

// docs/behaviour.md §1.4: 403, 404 and 405 from the token PUT mean IMDSv1; no further token
// request is made, even when the document GET is retried.
class TokenRefused : public ::testing::TestWithParam<int> {};

TEST_P(TokenRefused, FallsBackToImdsv1ForTheWholeCall) {
  FakeImds imds;
  imds.tokenAnswers({{GetParam()}});
  imds.documentAnswers({{503}, {200}});
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_EQ(identity->account_id, "123456789012");
  EXPECT_EQ(imds.count(kTokenPath), 1u);
  EXPECT_EQ(imds.count(kDocumentPath), 2u);
  for (const auto& request : imds.requests()) EXPECT_FALSE(request.has_token) << request.path;
}

INSTANTIATE_TEST_SUITE_P(Statuses, TokenRefused, ::testing::Values(403, 404, 405));

TEST(InstanceMetadata, TokenBadRequestEndsTheCall) {
  FakeImds imds;
  imds.tokenAnswers({{400}});
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().message(),
            "instance metadata " + imds.url() + ": token request refused with HTTP 400");
  EXPECT_EQ(imds.count(kDocumentPath), 0u);
}

// A token PUT failing with 5xx is retried; when it never succeeds the GET goes without a
// token, and the next GET attempt asks for a token again (the SDK does not fall back for
// good on 5xx).
TEST(InstanceMetadata, TokenServerErrorsAreRetriedThenTheAttemptGoesWithoutToken) {
  FakeImds imds;
  imds.tokenAnswers({{500}, {502}, {503}, {200}});
  imds.documentAnswers({{500}, {200}});
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  const auto requests = imds.requests();
  ASSERT_EQ(requests.size(), 6u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(requests[i].path, kTokenPath);
  EXPECT_EQ(requests[3].path, kDocumentPath);
  EXPECT_FALSE(requests[3].has_token);
  EXPECT_EQ(requests[4].path, kTokenPath);
  EXPECT_EQ(requests[5].path, kDocumentPath);
  EXPECT_EQ(requests[5].token, "imds-token");
}

TEST(InstanceMetadata, RetriesThenSuccess) {
  FakeImds imds;
  imds.documentAnswers({{500}, {504}, {200}});
  ImdsClientOptions options = optionsFor(imds.url());
  options.retry_delay = milliseconds(100);
  const auto started = Clock::now();
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(options);
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_GE(Clock::now() - started, milliseconds(200));  // two waits of retry_delay
  EXPECT_EQ(imds.count(kTokenPath), 1u);                 // the token is kept across attempts
  EXPECT_EQ(imds.count(kDocumentPath), 3u);
}

TEST(InstanceMetadata, RetriesExhausted) {
  FakeImds imds;
  imds.documentAnswers({{503}});
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(identity.status().message(),
            "instance metadata " + imds.url() +
                ": identity document request failed (HTTP 503, 3 attempts)");
  EXPECT_EQ(imds.count(kDocumentPath), 3u);
}

TEST(InstanceMetadata, OtherClientErrorsAreNotRetried) {
  FakeImds imds;
  imds.documentAnswers({{404}, {200}});
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().message(),
            "instance metadata " + imds.url() + ": identity document request failed (HTTP 404)");
  EXPECT_EQ(imds.count(kDocumentPath), 1u);
}

// 501 is not among the standard retryer's statuses (500, 502, 503, 504).
TEST(InstanceMetadata, NotImplementedIsNotRetried) {
  FakeImds imds;
  imds.documentAnswers({{501}, {200}});
  EXPECT_FALSE(fetchInstanceIdentity(optionsFor(imds.url())).ok());
  EXPECT_EQ(imds.count(kDocumentPath), 1u);
}

// A 401 means the token expired or was revoked: the SDK asks for a new one and retries.
TEST(InstanceMetadata, UnauthorizedRenewsTheToken) {
  FakeImds imds;
  imds.documentAnswers({{401}, {200}});
  ASSERT_TRUE(fetchInstanceIdentity(optionsFor(imds.url())).ok());
  EXPECT_EQ(imds.count(kTokenPath), 2u);
  EXPECT_EQ(imds.count(kDocumentPath), 2u);
}

TEST(InstanceMetadata, ConnectionRefusedIsRetriedAndNamed) {
  int port = 0;
  {
    FakeImds closed;  // a port that was just free on loopback
    port = closed.port();
  }
  ImdsClientOptions options = optionsFor("http://127.0.0.1:" + std::to_string(port));
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(options);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().message(),
            "instance metadata " + options.endpoint.url +
                ": identity document request failed (Connection, 3 attempts)");
}

// docs/behaviour.md §1.4: the whole call, retries and token included, ends at
// operation_timeout however slowly IMDS answers.
TEST(InstanceMetadata, TheOperationTimeoutBoundsTheWholeCall) {
  FakeImds imds;
  imds.tokenAnswers({{200, milliseconds(3000)}});
  ImdsClientOptions options = optionsFor(imds.url());
  options.response_timeout = milliseconds(10000);
  options.operation_timeout = milliseconds(300);
  const auto started = Clock::now();
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(options);
  const auto took = Clock::now() - started;
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(identity.status().message(),
            "instance metadata " + imds.url() + ": no answer within 300ms");
  EXPECT_LT(took, milliseconds(1500));
}

// A response slower than response_timeout fails that attempt, which is retried.
TEST(InstanceMetadata, ASlowResponseIsRetried) {
  FakeImds imds;
  imds.documentAnswers({{200, milliseconds(2000)}, {200}});
  ImdsClientOptions options = optionsFor(imds.url());
  options.response_timeout = milliseconds(200);
  const auto started = Clock::now();
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(options);
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_LT(Clock::now() - started, milliseconds(1500));
  EXPECT_EQ(imds.count(kDocumentPath), 2u);
}

TEST(InstanceMetadata, TheSdkDefaults) {
  const ImdsClientOptions defaults;
  EXPECT_EQ(defaults.connect_timeout, milliseconds(250));
  EXPECT_EQ(defaults.response_timeout, milliseconds(500));
  EXPECT_EQ(defaults.operation_timeout, milliseconds(5000));
  EXPECT_EQ(defaults.retry_delay, milliseconds(1000));
  EXPECT_EQ(defaults.max_attempts, 3);
  EXPECT_EQ(defaults.token_ttl_seconds, 300);
}

TEST(InstanceMetadata, IPv6LoopbackEndpoint) {
  FakeImds imds("::1");
  ASSERT_EQ(imds.url(), "http://[::1]:" + std::to_string(imds.port()));
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  const auto requests = imds.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().host, "[::1]:" + std::to_string(imds.port()));
}

TEST(InstanceMetadata, DocumentWithoutAccountIsRefused) {
  FakeImds imds;
  imds.document(R"({"region":"us-east-1"})");
  const Result<InstanceIdentity> identity = fetchInstanceIdentity(optionsFor(imds.url()));
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().message(),
            "instance metadata " + imds.url() + ": identity document lacks accountId/region");
}

TEST(InstanceMetadata, Partitions) {
  EXPECT_EQ(partitionForRegion("us-east-1"), "aws");
  EXPECT_EQ(partitionForRegion("cn-northwest-1"), "aws-cn");
  EXPECT_EQ(partitionForRegion("us-gov-west-1"), "aws-us-gov");
  EXPECT_EQ(partitionForRegion("us-iso-east-1"), "aws-iso");
  EXPECT_EQ(partitionForRegion("us-isob-east-1"), "aws-iso-b");
  EXPECT_EQ(partitionForRegion("eusc-de-east-1"), "aws-eusc");
}

}  // namespace
}  // namespace irsa::aws
