#include "irsa/app/app.h"

#include <gtest/gtest.h>

namespace irsa::app {
namespace {

const std::string kServiceAccounts =
    std::string(IRSA_TEST_DATA_DIR) + "/../examples/service-accounts.yaml";

config::Config parsed(const std::vector<std::string>& args) {
  auto result = config::parseFlags(args);
  if (const auto* error = std::get_if<config::ParseError>(&result)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<config::Config>(result);
}

std::string createError(const std::vector<std::string>& args) {
  const auto app = App::create(parsed(args));
  if (app.ok()) {
    ADD_FAILURE() << "expected App::create to fail";
    return {};
  }
  return app.status().message();
}

TEST(AppCreate, SelfSignedCertificatesNeedTheKubernetesApi) {
  EXPECT_EQ(createError({"--service-accounts-file=" + kServiceAccounts, "--cert-mode=self-signed"}),
            "--cert-mode=self-signed stores certificates in a Secret and needs the Kubernetes API, "
            "not --service-accounts-file");
}

TEST(AppCreate, ComposeRoleArnNamesTheInstanceMetadataFailure) {
  const std::string error =
      createError({"--service-accounts-file=" + kServiceAccounts, "--compose-role-arn",
                   "--imds-endpoint=http://127.0.0.1:1"});
  EXPECT_EQ(error.rfind("--compose-role-arn needs the account and region from instance metadata: "
                        "instance metadata http://127.0.0.1:1: token request failed",
                        0),
            0u)
      << error;
}

TEST(AppCreate, MissingServiceAccountsFileIsNamed) {
  const std::string error = createError({"--service-accounts-file=/nonexistent/sa.yaml"});
  EXPECT_NE(error.find("/nonexistent/sa.yaml"), std::string::npos) << error;
}

TEST(AppCreate, StaticServiceAccountsBuildAWebhookThatStops) {
  auto app =
      App::create(parsed({"--service-accounts-file=" + kServiceAccounts, "--bind-address=127.0.0.1",
                          "--port=0", "--metrics-port=0", "--tls-cert=/nonexistent/tls.crt",
                          "--tls-key=/nonexistent/tls.key", "--shutdown-drain-delay=0s"}));
  ASSERT_TRUE(app.ok()) << app.status().message();
  ASSERT_TRUE((*app)->start().ok());
  EXPECT_GT((*app)->port(), 0);
  EXPECT_GT((*app)->metricsPort(), 0);
  (*app)->stop();
}

}  // namespace
}  // namespace irsa::app
