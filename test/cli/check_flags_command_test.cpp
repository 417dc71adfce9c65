// `irsa-webhook check-flags`: the server's flag parser, run without a server, as
// hack/check-chart.sh uses it on the chart's rendered Deployments.

#include "cli/check_flags_command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "support/webhook_process.h"

namespace irsa {
namespace {

TEST(CheckFlagsCommand, AcceptsWhatTheServerAccepts) {
  std::ostringstream out;
  std::ostringstream err;
  const std::vector<std::string> args = {"--port=8443",
                                         "--max-request-bytes=3145728",
                                         "--token-expiration",
                                         "1000000",
                                         "--kube-api-qps=2.5",
                                         "--resync-period=60s",
                                         "--cert-mode=self-signed",
                                         "--watch-config-map",
                                         "--logtostderr"};
  EXPECT_EQ(cli::runCheckFlagsCommand(args, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "irsa-webhook check-flags: arguments accepted: 9\n");
  EXPECT_EQ(err.str(), "");
}

TEST(CheckFlagsCommand, NoFlagsAreTheDefaults) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(cli::runCheckFlagsCommand({}, out, err), 0);
}

TEST(CheckFlagsCommand, RefusalNamesTheFlagAndExitsTwo) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Helm's rendering of a float64 value: the bug this command was added to catch.
      {"--max-request-bytes=3.145728e+06", "--max-request-bytes: invalid value \"3.145728e+06\""},
      {"--token-expiration=1e+06", "--token-expiration: invalid value \"1e+06\""},
      {"--worker-threads=0", "--worker-threads: invalid value \"0\""},
      {"--tls-min-version=1.4", "--tls-min-version"},
      {"--in-cluster=true", "--in-cluster"},
      {"--no-such-flag", "unknown flag --no-such-flag"},
  };
  for (const auto& [flag, expected] : cases) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(cli::runCheckFlagsCommand({"--port=8443", flag, "--v=2"}, out, err), 2) << flag;
    EXPECT_EQ(err.str().rfind("irsa-webhook check-flags: ", 0), 0u) << err.str();
    EXPECT_NE(err.str().find(expected), std::string::npos) << err.str();
    EXPECT_EQ(out.str(), "") << flag;
  }
}

TEST(CheckFlagsCommand, HelpPrintsTheUsage) {
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(cli::runCheckFlagsCommand({"--help"}, out, err), 0);
  EXPECT_EQ(out.str().rfind("Usage: irsa-webhook check-flags", 0), 0u) << out.str();
}

// The subcommand is reachable from the binary's command line and never starts the server:
// a server given a missing --service-accounts-file exits 1 naming it.
TEST(CheckFlagsCommand, BinaryExitsWithoutServing) {
  std::string output;
  EXPECT_EQ(test::runCommand({IRSA_BINARY, "check-flags", "--port=0",
                              "--service-accounts-file=/nonexistent/sa.yaml"},
                             &output),
            0)
      << output;
  EXPECT_NE(output.find("arguments accepted: 2"), std::string::npos) << output;
  output.clear();
  EXPECT_EQ(
      test::runCommand({IRSA_BINARY, "check-flags", "--max-request-bytes=3.145728e+06"}, &output),
      2);
  EXPECT_NE(output.find("--max-request-bytes"), std::string::npos) << output;
}

}  // namespace
}  // namespace irsa
