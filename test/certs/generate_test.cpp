#include "irsa/certs/generate.h"

#include <gtest/gtest.h>

#include <chrono>

namespace irsa::certs {
namespace {

using std::chrono::hours;
using Clock = std::chrono::system_clock;

const std::vector<std::string> kNames = serviceDnsNames("pod-identity-webhook", "eks");

WebhookCertificates generateOrFail(Clock::time_point now, std::chrono::seconds validity) {
  GenerateResult result = generateWebhookCertificates(kNames, now, validity);
  EXPECT_TRUE(result.certificates.has_value()) << result.error;
  return result.certificates.value_or(WebhookCertificates{});
}

TEST(GenerateWebhookCertificates, ProducesAPairThatPassesItsOwnChecks) {
  const auto now = Clock::now();
  const WebhookCertificates certificates = generateOrFail(now, hours(24 * 365));
  EXPECT_NE(certificates.ca.certificate.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(certificates.serving.private_key.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(checkWebhookCertificates(certificates, kNames, now, hours(24 * 30)), "");
}

TEST(GenerateWebhookCertificates, ServiceNamesCoverTheClusterDns) {
  EXPECT_EQ(kNames.front(), "pod-identity-webhook.eks.svc");
  EXPECT_EQ(kNames.size(), 4u);
}

TEST(GenerateWebhookCertificates, NotAfterIsNowPlusValidity) {
  const auto now = Clock::now();
  const WebhookCertificates certificates = generateOrFail(now, hours(48));
  const auto not_after = certificateNotAfter(certificates.serving.certificate);
  ASSERT_TRUE(not_after.has_value());
  const auto delta =
      std::chrono::duration_cast<std::chrono::seconds>(*not_after - (now + hours(48)));
  EXPECT_LE(std::abs(delta.count()), 1);
}

TEST(GenerateWebhookCertificates, RefusesEmptyNameList) {
  GenerateResult result = generateWebhookCertificates({}, Clock::now(), hours(1));
  EXPECT_FALSE(result.certificates.has_value());
  EXPECT_NE(result.error, "");
}

TEST(CheckWebhookCertificates, FlagsRenewalWindow) {
  const auto now = Clock::now();
  const WebhookCertificates certificates = generateOrFail(now, hours(24 * 10));
  EXPECT_EQ(checkWebhookCertificates(certificates, kNames, now, hours(24 * 30)),
            "certificate is due for renewal");
}

TEST(CheckWebhookCertificates, FlagsMissingDnsName) {
  const auto now = Clock::now();
  const WebhookCertificates certificates = generateOrFail(now, hours(24 * 365));
  EXPECT_EQ(checkWebhookCertificates(certificates, {"other.eks.svc"}, now, hours(1)),
            "serving certificate does not cover other.eks.svc");
}

TEST(CheckWebhookCertificates, FlagsPairsFromDifferentGenerations) {
  const auto now = Clock::now();
  const WebhookCertificates first = generateOrFail(now, hours(24 * 365));
  const WebhookCertificates second = generateOrFail(now, hours(24 * 365));
  WebhookCertificates mixed_key = first;
  mixed_key.serving.private_key = second.serving.private_key;
  EXPECT_EQ(checkWebhookCertificates(mixed_key, kNames, now, hours(1)),
            "serving private key does not match the certificate");
  WebhookCertificates mixed_ca = first;
  mixed_ca.ca = second.ca;
  EXPECT_EQ(checkWebhookCertificates(mixed_ca, kNames, now, hours(1)),
            "serving certificate is not signed by the CA");
}

TEST(CheckWebhookCertificates, FlagsGarbage) {
  WebhookCertificates garbage{{"not a cert", "not a key"}, {"junk", "junk"}};
  EXPECT_EQ(checkWebhookCertificates(garbage, kNames, Clock::now(), hours(1)),
            "CA certificate does not parse");
  EXPECT_FALSE(certificateNotAfter("junk").has_value());
}

}  // namespace
}  // namespace irsa::certs
