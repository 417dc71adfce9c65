#include <gtest/gtest.h>

#include "irsa/config/config.h"

namespace irsa::config {
namespace {

using namespace std::chrono_literals;

Config parseOk(const std::vector<std::string>& args) {
  auto result = parseFlags(args);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().message();
    return {};
  }
  return *result;
}

std::string parseError(const std::vector<std::string>& args) {
  auto result = parseFlags(args);
  if (!result.ok()) {
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    return result.status().message();
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

TEST(Flags, DefaultsMatchTheGoWebhook) {
  const Config c = parseOk({});
  EXPECT_EQ(c.port, 443);
  EXPECT_EQ(c.metrics_port, 9999);
  EXPECT_EQ(c.tls_cert, "/etc/webhook/certs/tls.crt");
  EXPECT_EQ(c.tls_key, "/etc/webhook/certs/tls.key");
  EXPECT_EQ(c.tls_min_version, tls::Version::kTls12);
  EXPECT_EQ(c.namespace_name, "eks");
  EXPECT_EQ(c.service_name, "pod-identity-webhook");
  EXPECT_EQ(c.annotation_prefix, "eks.amazonaws.com");
  EXPECT_EQ(c.token_audience, "sts.amazonaws.com");
  EXPECT_EQ(c.token_mount_path, "/var/run/secrets/eks.amazonaws.com/serviceaccount");
  EXPECT_EQ(c.token_expiration, 86400);
  EXPECT_EQ(c.container_credentials_audience, "pods.eks.amazonaws.com");
  EXPECT_EQ(c.container_credentials_full_uri, "http://169.254.170.23/v1/credentials");
  EXPECT_EQ(c.service_account_lookup_grace_period, 100ms);
  EXPECT_EQ(c.resync_period, 60s);
  EXPECT_FALSE(c.watch_config_map);
  EXPECT_EQ(c.kube_api_qps, 50);
  EXPECT_EQ(c.kube_api_burst, 50);
}

TEST(Flags, GoSyntaxVariants) {
  const Config c = parseOk(
      {"--port=8443", "--metrics-port", "9090", "-namespace=kube-system", "--sts-regional-endpoint",
       "--watch-config-map=false", "-v=4", "--aws-default-region", "eu-west-1",
       "--service-account-lookup-grace-period=1.5s", "--logtostderr", "--alsologtostderr=false",
       "--vmodule=x=2", "--log_dir", "/tmp", "--token-expiration=-5"});
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.metrics_port, 9090);
  EXPECT_EQ(c.namespace_name, "kube-system");
  EXPECT_TRUE(c.sts_regional_endpoint);
  EXPECT_FALSE(c.watch_config_map);
  EXPECT_EQ(c.verbosity, 4);
  EXPECT_EQ(c.aws_default_region, "eu-west-1");
  EXPECT_EQ(c.service_account_lookup_grace_period, 1500ms);
  EXPECT_EQ(c.token_expiration, -5);
}

TEST(Flags, BadValuesNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--port=x"}, "--port"},
      {{"--port=70000"}, "--port"},
      {{"--metrics-port"}, "--metrics-port: missing value"},
      {{"--tls-min-version=1.4"}, "--tls-min-version"},
      {{"--tls-cipher-suites=TLS_NOPE"}, "TLS_NOPE"},
      {{"--resync-period=10"}, "--resync-period"},
      {{"--service-account-lookup-grace-period=-1s"}, "--service-account-lookup-grace-period"},
      {{"--sts-regional-endpoint=maybe"}, "--sts-regional-endpoint"},
      {{"--kube-api-qps=0"}, "--kube-api-qps"},
      {{"--log-format=xml"}, "--log-format"},
      {{"--cert-mode=magic"}, "--cert-mode"},
      {{"--no-such-flag"}, "unknown flag --no-such-flag"},
      {{"positional"}, "unexpected argument"},
      {{"--in-cluster"}, "--in-cluster"},
      {{"--in-cluster=true"}, "--tls-cert"},
  };
  for (const auto& [args, expected] : cases) {
    EXPECT_NE(parseError(args).find(expected), std::string::npos)
        << args[0] << " -> " << parseError(args);
  }
  EXPECT_FALSE(parseOk({"--in-cluster=false"}).in_cluster);
}

// Integers were read with std::stoll, which skips leading spaces; pflag reads them with
// strconv, which does not. Both kinds of value now go through govalues.
TEST(Flags, IntegersAndBooleansAreReadLikePflag) {
  EXPECT_EQ(parseError({"--port", " 8443"}), "--port: invalid value \" 8443\": not an integer");
  EXPECT_EQ(parseError({"--token-expiration=+-5"}),
            "--token-expiration: invalid value \"+-5\": not an integer");
  EXPECT_EQ(parseError({"--sts-regional-endpoint=yes"}),
            "--sts-regional-endpoint: invalid value \"yes\": not a boolean");
  EXPECT_EQ(parseOk({"--port=+8443", "--sts-regional-endpoint=T"}).port, 8443);
}

TEST(Flags, TlsSettingsAccepted) {
  const Config c =
      parseOk({"--tls-min-version=VersionTLS13",
               "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256"});
  EXPECT_EQ(c.tls_min_version, tls::Version::kTls13);
  EXPECT_EQ(c.tls_cipher_suites.tls12, "ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(c.tls_cipher_suites.tls13, "TLS_AES_128_GCM_SHA256");
}

TEST(Flags, VersionAndHelp) {
  EXPECT_TRUE(parseOk({"--version"}).show_version);
  EXPECT_TRUE(parseOk({"-help"}).show_help);
  const std::string text = usage();
  for (const char* flag : {"--port", "--watch-container-credentials-config", "--token-expiration",
                           "--service-accounts-file", "--worker-threads"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace irsa::config

namespace irsa::config {
namespace {

// Flags upstream's pflag command line accepts that once exited 2 here (issue #15 item 3).
TEST(FlagsUpstreamCompat, AcceptsTlsSecretAndNewerKlogFlags) {
  parseOk({"--tls-secret=pod-identity-webhook", "--legacy_stderr_threshold_behavior=false",
           "--alsologtostderrthreshold=INFO", "--legacy_stderr_threshold_behavior"});
}

TEST(FlagsUpstreamCompat, VerbosityShorthandAttached) {
  EXPECT_EQ(parseOk({"-v4"}).verbosity, 4);
  EXPECT_EQ(parseOk({"-v=6"}).verbosity, 6);
  EXPECT_EQ(parseOk({"-v", "2"}).verbosity, 2);
  EXPECT_NE(parseError({"-vx"}).find("--v: invalid value \"x\""), std::string::npos);
}

TEST(FlagsUpstreamCompat, EmptyTlsMinVersionIsGosDefault) {
  EXPECT_EQ(parseOk({"--tls-min-version="}).tls_min_version, tls::Version::kTls12);
}

// The remaining differences docs/migration.md lists.
TEST(FlagsUpstreamCompat, DocumentedDifferences) {
  EXPECT_NE(parseError({"--watch-config-map", "false"}).find("unexpected argument \"false\""),
            std::string::npos);
  EXPECT_NE(parseError({"--resync-period=-1s"}).find("must not be negative"), std::string::npos);
  EXPECT_EQ(parseOk({"-port=8443"}).port, 8443);
  EXPECT_EQ(parseOk({"-v=-1"}).verbosity, -1);
  EXPECT_EQ(parseOk({"-v=2147483647"}).verbosity, 2147483647);
  EXPECT_NE(parseError({"--in-cluster"}).find("--in-cluster"), std::string::npos);
}

// Fails before the change: integers were read in base 10 only.
TEST(FlagsUpstreamCompat, IntegersAreGoLiteralsAsPflagReadsThem) {
  EXPECT_EQ(parseOk({"--port=0x1bb"}).port, 443);
  EXPECT_EQ(parseOk({"--port=0o1273"}).port, 699);
  EXPECT_EQ(parseOk({"--port=01273"}).port, 699);
  EXPECT_EQ(parseOk({"--metrics-port=9_999"}).metrics_port, 9999);
  EXPECT_EQ(parseOk({"--token-expiration=0b1110000100000"}).token_expiration, 7200);
  EXPECT_NE(parseError({"--port=0x"}).find("--port"), std::string::npos);
  EXPECT_NE(parseError({"--port=1__0"}).find("--port"), std::string::npos);
  EXPECT_NE(parseError({"--port=089"}).find("--port"), std::string::npos);
}

TEST(FlagsUpstreamCompat, HelpShorthand) {
  EXPECT_TRUE(parseOk({"-h"}).show_help);
}

}  // namespace
}  // namespace irsa::config
