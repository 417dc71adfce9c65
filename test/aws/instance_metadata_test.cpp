#include "irsa/aws/instance_metadata.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

namespace irsa::aws {
namespace {

TEST(InstanceMetadata, Imdsv2TokenThenIdentityDocument) {
  httplib::Server imds;
  imds.Put("/latest/api/token", [](const httplib::Request& request, httplib::Response& response) {
    if (request.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
      response.status = 400;
      return;
    }
    response.set_content("imds-token", "text/plain");
  });
  imds.Get("/latest/dynamic/instance-identity/document",
           [](const httplib::Request& request, httplib::Response& response) {
             if (request.get_header_value("X-aws-ec2-metadata-token") != "imds-token") {
               response.status = 401;
               return;
             }
             response.set_content(R"({"accountId":"123456789012","region":"cn-north-1"})",
                                  "application/json");
           });
  const int port = imds.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { imds.listen_after_bind(); });
  const Result<InstanceIdentity> identity =
      fetchInstanceIdentity("http://127.0.0.1:" + std::to_string(port));
  imds.stop();
  thread.join();
  ASSERT_TRUE(identity.ok()) << identity.status().message();
  EXPECT_EQ(identity->account_id, "123456789012");
  EXPECT_EQ(identity->partition, "aws-cn");
  const Result<InstanceIdentity> refused = fetchInstanceIdentity("http://127.0.0.1:1");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("token request failed"), std::string::npos);
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
