#include "irsa/aws/imds_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace irsa::aws {
namespace {

bool equalsIgnoringCase(std::string_view left, std::string_view right) {
  return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::string_view trimmed(std::string_view text) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

Status badEndpoint(std::string_view url, std::string_view why) {
  return invalidArgument("instance metadata endpoint \"" + std::string(url) +
                         "\": " + std::string(why));
}

// Splits "host[:port]" or "[v6]:port" into `endpoint`.
Status parseAuthority(std::string_view url, std::string_view authority, ImdsEndpoint& endpoint) {
  std::string_view port;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return badEndpoint(url, "unterminated [IPv6] host");
    endpoint.host = std::string(authority.substr(1, close - 1));
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return badEndpoint(url, "junk after ]");
    if (!rest.empty()) port = rest.substr(1);
    if (rest.starts_with(':') && port.empty()) return badEndpoint(url, "empty port");
  } else {
    const size_t colon = authority.find(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return badEndpoint(url, "empty port");
    }
  }
  if (endpoint.host.empty()) return badEndpoint(url, "no host");
  if (!port.empty()) {
    const auto [end, error] =
        std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
    if (error != std::errc() || end != port.data() + port.size() || endpoint.port < 1 ||
        endpoint.port > 65535) {
      return badEndpoint(url, "port must be 1-65535");
    }
  }
  endpoint.authority = std::string(authority);
  return okStatus();
}

}  // namespace

ImdsEnvironment readImdsEnvironment(const EnvironmentLookup& lookup) {
  const auto value = [&](std::string_view name) { return lookup(name).value_or(""); };
  return {value(kImdsEndpointVariable), value(kImdsEndpointModeVariable),
          value(kImdsDisabledVariable)};
}

Result<ImdsEndpoint> parseImdsEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !equalsIgnoringCase(url.substr(0, kScheme.size()), kScheme)) {
    return badEndpoint(url, "only http://host[:port] is supported");
  }
  const std::string_view rest = url.substr(kScheme.size());
  const size_t path = rest.find_first_of("/?#");
  // The SDK replaces the endpoint's path with the operation's, so a path is accepted and
  // ignored; a query or fragment would be silently lost, so it is refused.
  if (path != std::string_view::npos && rest.find_first_of("?#", path) != std::string_view::npos) {
    return badEndpoint(url, "a query or fragment is not allowed");
  }
  ImdsEndpoint endpoint;
  endpoint.url = std::string(url);
  if (Status parsed = parseAuthority(url, rest.substr(0, path), endpoint); !parsed.ok()) {
    return parsed;
  }
  return endpoint;
}

Result<ImdsClientOptions> resolveImdsOptions(const std::string& flag_endpoint,
                                             const ImdsEnvironment& environment) {
  if (equalsIgnoringCase(environment.disabled, "true")) {
    return failedPrecondition("instance metadata is disabled by " +
                              std::string(kImdsDisabledVariable) + "=" + environment.disabled);
  }
  // Checked even when an endpoint is given, so a misspelt mode is never silently unused.
  const std::string_view mode = trimmed(environment.endpoint_mode);
  const bool ipv6 = equalsIgnoringCase(mode, "IPv6");
  if (!ipv6 && !mode.empty() && !equalsIgnoringCase(mode, "IPv4")) {
    return invalidArgument(std::string(kImdsEndpointModeVariable) + "=" +
                           environment.endpoint_mode + ": must be IPv4 or IPv6");
  }
  std::string url = flag_endpoint;
  if (url.empty()) url = environment.endpoint;
  if (url.empty()) url = ipv6 ? kImdsIpv6Endpoint : kImdsIpv4Endpoint;
  Result<ImdsEndpoint> endpoint = parseImdsEndpoint(url);
  if (!endpoint.ok()) return endpoint.status();
  ImdsClientOptions options;
  options.endpoint = std::move(endpoint).value();
  return options;
}

}  // namespace irsa::aws
