#include "irsa/aws/imds_settings.h"

#include <gtest/gtest.h>

#include <map>

namespace irsa::aws {
namespace {

ImdsEnvironment variables(std::string endpoint, std::string mode, std::string disabled) {
  ImdsEnvironment environment;
  environment.endpoint = std::move(endpoint);
  environment.endpoint_mode = std::move(mode);
  environment.disabled = std::move(disabled);
  return environment;
}
ImdsEnvironment mode(std::string value) {
  return variables("", std::move(value), "");
}
ImdsEnvironment disabled(std::string value) {
  return variables("", "", std::move(value));
}

std::string endpointFor(const std::string& flag, const ImdsEnvironment& environment) {
  const Result<ImdsClientOptions> options = resolveImdsOptions(flag, environment);
  EXPECT_TRUE(options.ok()) << options.status().message();
  return options.ok() ? options->endpoint.url : std::string();
}

TEST(ImdsSettings, ReadsTheThreeVariablesThroughTheLookup) {
  const std::map<std::string, std::string, std::less<>> variables = {
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338"},
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"},
      {"AWS_EC2_METADATA_DISABLED", "false"},
      {"AWS_REGION", "eu-west-1"}};
  std::vector<std::string> asked;
  const ImdsEnvironment environment =
      readImdsEnvironment([&](std::string_view name) -> std::optional<std::string> {
        asked.emplace_back(name);
        const auto found = variables.find(name);
        if (found == variables.end()) return std::nullopt;
        return found->second;
      });
  EXPECT_EQ(environment.endpoint, "http://127.0.0.1:1338");
  EXPECT_EQ(environment.endpoint_mode, "IPv6");
  EXPECT_EQ(environment.disabled, "false");
  EXPECT_EQ(asked.size(), 3u);
  const ImdsEnvironment unset =
      readImdsEnvironment([](std::string_view) { return std::optional<std::string>(); });
  EXPECT_EQ(unset.endpoint, "");
  EXPECT_EQ(unset.endpoint_mode, "");
  EXPECT_EQ(unset.disabled, "");
}

// Only the chosen URL is checked: no test sends anything to 169.254.169.254 or fd00:ec2::254.
TEST(ImdsSettings, DefaultEndpointFollowsTheEndpointMode) {
  EXPECT_EQ(endpointFor("", {}), "http://169.254.169.254");
  EXPECT_EQ(endpointFor("", mode("IPv4")), "http://169.254.169.254");
  EXPECT_EQ(endpointFor("", mode("IPv6")), "http://[fd00:ec2::254]");
  EXPECT_EQ(endpointFor("", mode(" ipv6 ")), "http://[fd00:ec2::254]");
  const Result<ImdsClientOptions> ipv6 = resolveImdsOptions("", mode("IPv6"));
  ASSERT_TRUE(ipv6.ok());
  EXPECT_EQ(ipv6->endpoint.host, "fd00:ec2::254");
  EXPECT_EQ(ipv6->endpoint.port, 80);
  EXPECT_EQ(ipv6->endpoint.authority, "[fd00:ec2::254]");
}

TEST(ImdsSettings, EndpointVariableBeatsTheModeAndTheFlagBeatsBoth) {
  const ImdsEnvironment environment = variables("http://127.0.0.1:1338", "IPv6", "");
  EXPECT_EQ(endpointFor("", environment), "http://127.0.0.1:1338");
  EXPECT_EQ(endpointFor("http://[::1]:1339", environment), "http://[::1]:1339");
}

TEST(ImdsSettings, AnUnknownModeIsAnError) {
  const Result<ImdsClientOptions> options =
      resolveImdsOptions("http://127.0.0.1:1338", mode("dualstack"));
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(options.status().message(),
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=dualstack: must be IPv4 or IPv6");
}

// As the SDK: only "true" in any case disables the client; other values are ignored.
TEST(ImdsSettings, DisabledOnlyByTrue) {
  for (const std::string value : {"true", "TRUE", "True"}) {
    const Result<ImdsClientOptions> options =
        resolveImdsOptions("http://127.0.0.1:1338", disabled(value));
    ASSERT_FALSE(options.ok()) << value;
    EXPECT_EQ(options.status().message(),
              "instance metadata is disabled by AWS_EC2_METADATA_DISABLED=" + value);
  }
  for (const std::string value : {"false", "1", "yes", " true"}) {
    EXPECT_EQ(endpointFor("", disabled(value)), "http://169.254.169.254") << value;
  }
}

TEST(ImdsSettings, ParsesEndpoints) {
  const Result<ImdsEndpoint> v4 = parseImdsEndpoint("http://127.0.0.1:1338");
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 1338);
  EXPECT_EQ(v4->authority, "127.0.0.1:1338");
  const Result<ImdsEndpoint> v6 = parseImdsEndpoint("HTTP://[::1]:8080/ignored/path");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(v6->authority, "[::1]:8080");
  const Result<ImdsEndpoint> named = parseImdsEndpoint("http://localhost");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->port, 80);
}

TEST(ImdsSettings, RefusesBadEndpointsWithTheReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"https://127.0.0.1", "only http://host[:port] is supported"},
      {"127.0.0.1:1338", "only http://host[:port] is supported"},
      {"http://", "no host"},
      {"http://:1338", "no host"},
      {"http://127.0.0.1:", "empty port"},
      {"http://127.0.0.1:0", "port must be 1-65535"},
      {"http://127.0.0.1:65536", "port must be 1-65535"},
      {"http://127.0.0.1:12x", "port must be 1-65535"},
      {"http://[::1", "unterminated [IPv6] host"},
      {"http://[::1]x", "junk after ]"},
      {"http://127.0.0.1/?x=1", "a query or fragment is not allowed"},
  };
  for (const auto& [url, why] : cases) {
    const Result<ImdsEndpoint> endpoint = parseImdsEndpoint(url);
    ASSERT_FALSE(endpoint.ok()) << url;
    EXPECT_EQ(endpoint.status().message(), "instance metadata endpoint \"" + url + "\": " + why);
  }
  const Result<ImdsClientOptions> from_variable =
      resolveImdsOptions("", variables("https://127.0.0.1", "", ""));
  EXPECT_FALSE(from_variable.ok());
}

}  // namespace
}  // namespace irsa::aws
