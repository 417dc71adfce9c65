#include "irsa/app/options_from_config.h"

#include <gtest/gtest.h>

namespace irsa::app {
namespace {

using namespace std::chrono_literals;

config::Config parsed(const std::vector<std::string>& args) {
  auto result = config::parseFlags(args);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().message();
    return {};
  }
  return *result;
}

// --read-timeout=500ms used to reach the server as 1 s: the value was carried in whole
// seconds on the way and 0 rounded up.
TEST(ServerOptionsFromFlags, SubSecondTimeoutsReachTheServerUnrounded) {
  const server::ServerOptions options =
      serverOptions(parsed({"--read-timeout=500ms", "--write-timeout=1500ms"}));
  EXPECT_EQ(std::chrono::milliseconds(options.read_timeout), 500ms);
  EXPECT_EQ(std::chrono::milliseconds(options.write_timeout), 1500ms);
}

TEST(ServerOptionsFromFlags, ZeroTimeoutsMeanOneSecond) {
  const server::ServerOptions options =
      serverOptions(parsed({"--read-timeout=0s", "--write-timeout=0"}));
  EXPECT_EQ(std::chrono::milliseconds(options.read_timeout), 1s);
  EXPECT_EQ(std::chrono::milliseconds(options.write_timeout), 1s);
}

TEST(ServerOptionsFromFlags, DefaultTimeoutsAreTenSeconds) {
  const server::ServerOptions options = serverOptions(parsed({}));
  EXPECT_EQ(std::chrono::milliseconds(options.read_timeout), 10s);
  EXPECT_EQ(std::chrono::milliseconds(options.write_timeout), 10s);
}

TEST(ServerOptionsFromFlags, TlsSettingsArriveTyped) {
  const server::ServerOptions options = serverOptions(
      parsed({"--tls-min-version=VersionTLS13", "--tls-cipher-suites=TLS_AES_128_GCM_SHA256"}));
  EXPECT_EQ(options.tls_min_version, static_cast<int>(tls::Version::kTls13));
  EXPECT_EQ(options.cipher_suites.tls13, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(options.cipher_suites.tls12, "");
}

}  // namespace
}  // namespace irsa::app
