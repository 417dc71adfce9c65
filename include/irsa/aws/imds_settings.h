#pragma once

// Where and how the instance metadata client talks to IMDS, resolved once from the flag and
// the AWS SDK's environment variables exactly as the Go webhook's client
// (docs/behaviour.md §1.4). The variables are read by the caller (app wiring) and passed
// in, so tests inject them without setenv.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "irsa/status/result.h"

namespace irsa::aws {

inline constexpr std::string_view kImdsEndpointVariable = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
inline constexpr std::string_view kImdsEndpointModeVariable =
    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
inline constexpr std::string_view kImdsDisabledVariable = "AWS_EC2_METADATA_DISABLED";

inline constexpr std::string_view kImdsIpv4Endpoint = "http://169.254.169.254";
inline constexpr std::string_view kImdsIpv6Endpoint = "http://[fd00:ec2::254]";

// The three variables as found; unset and empty are the same to the SDK.
struct ImdsEnvironment {
  std::string endpoint;       // AWS_EC2_METADATA_SERVICE_ENDPOINT
  std::string endpoint_mode;  // AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
  std::string disabled;       // AWS_EC2_METADATA_DISABLED
};

// Returns a variable's value, or nullopt when it is not set (std::getenv in production).
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

ImdsEnvironment readImdsEnvironment(const EnvironmentLookup& lookup);

// An http:// endpoint split for the HTTP client; `authority` is the Host header as written
// in the URL ("127.0.0.1:1338", "[::1]:1338", "169.254.169.254").
struct ImdsEndpoint {
  std::string url;
  std::string host;  // without brackets
  int port = 80;
  std::string authority;
};

Result<ImdsEndpoint> parseImdsEndpoint(std::string_view url);

// The client's settings; the defaults are the SDK's (docs/behaviour.md §1.4).
struct ImdsClientOptions {
  ImdsEndpoint endpoint;
  std::chrono::milliseconds connect_timeout{250};     // per connection
  std::chrono::milliseconds response_timeout{500};    // per read of a response
  std::chrono::milliseconds operation_timeout{5000};  // the whole call, retries included
  std::chrono::milliseconds retry_delay{1000};        // between attempts
  int max_attempts = 3;
  int token_ttl_seconds = 300;
};

// Precedence: `flag_endpoint` (--imds-endpoint, empty when not given), then
// AWS_EC2_METADATA_SERVICE_ENDPOINT, then the default of
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (IPv4 unless `IPv6`). AWS_EC2_METADATA_DISABLED=true
// (any case) is an error, so no request is ever sent.
Result<ImdsClientOptions> resolveImdsOptions(const std::string& flag_endpoint,
                                             const ImdsEnvironment& environment);

}  // namespace irsa::aws
