#include "irsa/app/app.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

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

// The IMDS variables come from the lookup App::create is given (docs/behaviour.md §1.4); every
// test points the endpoint at a loopback server or disables the client.
aws::EnvironmentLookup environmentOf(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

// Answers the identity document; the token PUT gets 404 (IMDSv1) and is counted.
class LoopbackImds {
 public:
  LoopbackImds() {
    server_.Put("/latest/api/token", [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.status = 404;
    });
    server_.Get("/latest/dynamic/instance-identity/document",
                [this](const httplib::Request&, httplib::Response& response) {
                  ++requests_;
                  response.set_content(R"({"accountId":"111122223333","region":"us-gov-west-1"})",
                                       "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackImds() {
    server_.stop();
    thread_.join();
  }
  LoopbackImds(const LoopbackImds&) = delete;
  LoopbackImds& operator=(const LoopbackImds&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  httplib::Server server_;
  std::atomic<int> requests_{0};
  int port_ = 0;
  std::thread thread_;
};

const std::vector<std::string> kComposeArgs = {
    "--service-accounts-file=" + kServiceAccounts, "--compose-role-arn",
    "--tls-cert=/nonexistent/tls.crt", "--tls-key=/nonexistent/tls.key"};

TEST(AppCreate, ComposeRoleArnReadsTheEndpointFromTheEnvironment) {
  LoopbackImds imds;
  CapturedLog log;
  const auto app = App::create(parsed(kComposeArgs),
                               environmentOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()}}));
  ASSERT_TRUE(app.ok()) << app.status().message();
  EXPECT_EQ(imds.requests(), 2);
  EXPECT_NE(log.text().find("composing bare role names as arn:aws-us-gov:iam::111122223333:role/"),
            std::string::npos)
      << log.text();
}

TEST(AppCreate, ComposeRoleArnWithInstanceMetadataDisabledSendsNothing) {
  LoopbackImds imds;
  const auto app = App::create(parsed(kComposeArgs),
                               environmentOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()},
                                              {"AWS_EC2_METADATA_DISABLED", "true"}}));
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().message(),
            "--compose-role-arn needs the account and region from instance metadata: instance "
            "metadata is disabled by AWS_EC2_METADATA_DISABLED=true");
  EXPECT_EQ(imds.requests(), 0);
}

TEST(AppCreate, ComposeRoleArnFlagEndpointBeatsTheEnvironment) {
  LoopbackImds imds;
  std::vector<std::string> args = kComposeArgs;
  args.push_back("--imds-endpoint=" + imds.url());
  const auto app = App::create(
      parsed(args), environmentOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[::1"}}));
  ASSERT_TRUE(app.ok()) << app.status().message();
  EXPECT_EQ(imds.requests(), 2);
}

TEST(AppCreate, ComposeRoleArnNamesTheInstanceMetadataFailure) {
  const auto app = App::create(parsed(kComposeArgs),
                               environmentOf({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5"}}));
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().message(),
            "--compose-role-arn needs the account and region from instance metadata: "
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv5: must be IPv4 or IPv6");
}

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
