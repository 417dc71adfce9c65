#include "irsa/app/app.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "support/tls_test_files.h"

namespace irsa::app {
namespace {

const std::string kServiceAccounts =
    std::string(IRSA_TEST_DATA_DIR) + "/../examples/service-accounts.yaml";

config::Config parsed(const std::vector<std::string>& args) {
  auto result = config::parseFlags(args);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().message();
    return {};
  }
  return *result;
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

// Logs of the default logger while it lives, one line per event.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "captured", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_)));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const { return lines_.str(); }

 private:
  std::ostringstream lines_;
  std::shared_ptr<spdlog::logger> previous_;
};

// docs/behaviour.md §4: at start a missing Pod Identity file is no identities and a malformed
// one an error in the log; neither stops the server, which keeps watching the file.
TEST(AppCreate, ThePodIdentityFileIsLoggedWithItsNameAndNeverStopsTheStart) {
  test::TempDir dir;
  const std::string path = dir.file("identities.json");
  const auto createWithFile = [&] {
    return App::create(
        parsed({"--service-accounts-file=" + kServiceAccounts,
                "--watch-container-credentials-config=" + path, "--tls-cert=/nonexistent/tls.crt",
                "--tls-key=/nonexistent/tls.key"}));
  };
  {
    CapturedLog log;
    const auto app = createWithFile();
    ASSERT_TRUE(app.ok()) << app.status().message();
    EXPECT_NE(log.text().find("[info] Pod Identity file " + path + " loaded: 0 identities"),
              std::string::npos)
        << log.text();
  }
  test::writeFile(path, R"({"identities": [ broken)");
  {
    CapturedLog log;
    const auto app = createWithFile();
    ASSERT_TRUE(app.ok()) << app.status().message();
    EXPECT_NE(log.text().find("[error] Pod Identity file " + path + " is malformed"),
              std::string::npos)
        << log.text();
    EXPECT_NE(log.text().find("[error] serving certificate not loaded yet: "), std::string::npos)
        << log.text();
  }
}

}  // namespace
}  // namespace irsa::app
