#include "irsa/aws/instance_metadata.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace irsa::aws {

std::string partitionForRegion(const std::string& region) {
  auto starts = [&](const char* prefix) { return region.rfind(prefix, 0) == 0; };
  if (starts("cn-")) return "aws-cn";
  if (starts("us-gov-")) return "aws-us-gov";
  if (starts("us-isob-")) return "aws-iso-b";
  if (starts("us-iso-")) return "aws-iso";
  if (starts("eusc-")) return "aws-eusc";
  return "aws";
}

Result<InstanceIdentity> fetchInstanceIdentity(const std::string& endpoint) {
  httplib::Client client(endpoint);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  const auto token = client.Put(
      "/latest/api/token", {{"X-aws-ec2-metadata-token-ttl-seconds", "300"}}, "", "text/plain");
  if (!token || token->status != 200) {
    return unavailable(
        "instance metadata " + endpoint + ": token request failed (" +
        (token ? "HTTP " + std::to_string(token->status) : httplib::to_string(token.error())) +
        ")");
  }
  const auto document = client.Get("/latest/dynamic/instance-identity/document",
                                   {{"X-aws-ec2-metadata-token", token->body}});
  if (!document || document->status != 200) {
    return unavailable("instance metadata " + endpoint + ": identity document request failed (" +
                       (document ? "HTTP " + std::to_string(document->status)
                                 : httplib::to_string(document.error())) +
                       ")");
  }
  const auto parsed = nlohmann::json::parse(document->body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("accountId") ||
      !parsed["accountId"].is_string() || !parsed.contains("region") ||
      !parsed["region"].is_string()) {
    return unavailable("instance metadata " + endpoint +
                       ": identity document lacks accountId/region");
  }
  InstanceIdentity identity;
  identity.account_id = parsed["accountId"].get<std::string>();
  identity.region = parsed["region"].get<std::string>();
  identity.partition = partitionForRegion(identity.region);
  return identity;
}

}  // namespace irsa::aws
