// Runs the built irsa-webhook binary the way an operator would: flags, TLS, SIGTERM.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <future>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/mutate_command.h"
#include "support/fake_api_server.h"
#include "support/tls_test_files.h"
#include "support/webhook_process.h"

namespace irsa {
namespace {

using nlohmann::json;

const std::string kExamples = std::string(IRSA_TEST_DATA_DIR) + "/../examples";

TEST(Binary, VersionAndHelp) {
  std::string output;
  EXPECT_EQ(test::runCommand({IRSA_BINARY, "--version"}, &output), 0);
  EXPECT_EQ(output.rfind("irsa-webhook ", 0), 0u) << output;
  output.clear();
  EXPECT_EQ(test::runCommand({IRSA_BINARY, "--help"}, &output), 0);
  EXPECT_NE(output.find("--service-account-lookup-grace-period"), std::string::npos);
}

TEST(Binary, BadFlagsExitNonZeroNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--port=abc", "--port"},
      {"--tls-min-version=2.0", "--tls-min-version"},
      {"--tls-cipher-suites=NOPE", "NOPE"},
      {"--bogus", "--bogus"},
      {"--in-cluster=true", "--in-cluster"},
      {"--resync-period=5", "--resync-period"},
  };
  for (const auto& [flag, expected] : cases) {
    std::string output;
    EXPECT_EQ(test::runCommand({IRSA_BINARY, flag}, &output), 2) << flag;
    EXPECT_NE(output.find(expected), std::string::npos) << output;
  }
}

TEST(Binary, BrokenServiceAccountsFileExitsWithTheFileName) {
  test::TempDir dir;
  test::writeFile(dir.file("sa.yaml"), "- metadata: {namespace: x}\n");
  std::string output;
  EXPECT_EQ(test::runCommand({IRSA_BINARY, "--service-accounts-file=" + dir.file("sa.yaml"),
                              "--port=0", "--metrics-port=0"},
                             &output),
            1);
  EXPECT_NE(output.find(dir.file("sa.yaml")), std::string::npos) << output;
}

class RunningWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    test::installCertificates(dir_, test::makeTestCertificates());
    port_ = test::freePort();
    process_ = std::make_unique<test::WebhookProcess>(
        IRSA_BINARY,
        std::vector<std::string>{
            "--bind-address=127.0.0.1", "--port=" + std::to_string(port_),
            "--metrics-port=" + std::to_string(test::freePort()),
            "--tls-cert=" + dir_.file("tls.crt"), "--tls-key=" + dir_.file("tls.key"),
            "--service-accounts-file=" + kExamples + "/service-accounts.yaml",
            "--shutdown-drain-delay=300ms", "--aws-default-region=eu-west-1", "-v=4"},
        dir_.file("webhook.log"));
    ASSERT_TRUE(process_->waitReady(port_, 10000)) << test::readFile(dir_.file("webhook.log"));
  }

  std::unique_ptr<httplib::SSLClient> client() {
    auto c = std::make_unique<httplib::SSLClient>("localhost", port_);
    c->set_ca_cert_path(dir_.file("ca.crt").c_str());
    c->enable_server_certificate_verification(true);
    return c;
  }

  test::TempDir dir_;
  int port_ = 0;
  std::unique_ptr<test::WebhookProcess> process_;
};

TEST_F(RunningWebhook, ExampleReviewGetsTheDocumentedPatch) {
  const std::string review = test::readFile(kExamples + "/review.json");
  const auto response = client()->Post("/mutate", review, "application/json");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  ASSERT_EQ(response->status, 200) << response->body;
  const json body = json::parse(response->body);
  EXPECT_EQ(body["response"]["uid"], "2b3f5e1c-8a7d-4c0e-9f6a-1d2c3b4a5e6f");
  EXPECT_EQ(body["response"]["auditAnnotations"]["role-arn"],
            "arn:aws:iam::111122223333:role/s3-reader");
  process_->signal(SIGTERM);
  EXPECT_EQ(process_->wait(10000), 0);
  const std::string log = test::readFile(dir_.file("webhook.log"));
  EXPECT_NE(log.find("outcome=mutated"), std::string::npos) << log;
  EXPECT_EQ(log.find("AWS_ROLE_ARN"), std::string::npos) << "the Pod is never logged";
}

TEST_F(RunningWebhook, SigtermFinishesInFlightRequestsAndExitsZero) {
  const std::string review = test::readFile(kExamples + "/review.json");
  auto keep_alive = client();
  ASSERT_EQ(keep_alive->Post("/mutate", review, "application/json")->status, 200);
  process_->signal(SIGTERM);
  // During the drain delay the webhook still answers, but reports not ready and asks
  // clients to close their connections.
  const auto during = keep_alive->Post("/mutate", review, "application/json");
  ASSERT_TRUE(during) << httplib::to_string(during.error());
  EXPECT_EQ(during->status, 200);
  EXPECT_EQ(during->get_header_value("Connection"), "close");
  const auto readiness = client()->Get("/readyz");
  ASSERT_TRUE(readiness);
  EXPECT_EQ(readiness->status, 503);
  EXPECT_EQ(process_->wait(15000), 0) << test::readFile(dir_.file("webhook.log"));
}

TEST(MutateCommand, PrintsTheMutatedPodFromYaml) {
  std::istringstream in(test::readFile(kExamples + "/pod.yaml"));
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(cli::runMutateCommand({"--service-accounts-file", kExamples + "/service-accounts.yaml"},
                                  in, out, err),
            0)
      << err.str();
  const json pod = json::parse(out.str());
  EXPECT_EQ(pod["spec"]["containers"][0]["env"][1]["name"], "AWS_ROLE_ARN");
  EXPECT_EQ(pod["spec"]["initContainers"][0]["restartPolicy"], "Always");
  EXPECT_EQ(pod["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
               ["expirationSeconds"],
            3600);
}

TEST(MutateCommand, PatchOutputAndErrors) {
  std::istringstream in("{}");
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(cli::runMutateCommand(
                {"--output=patch", "--service-accounts-file", kExamples + "/service-accounts.yaml"},
                in, out, err),
            0);
  EXPECT_EQ(json::parse(out.str()), json::array()) << "the default SA is not annotated";
  std::istringstream broken("a: [");
  EXPECT_EQ(cli::runMutateCommand({"--service-accounts-file", kExamples + "/service-accounts.yaml"},
                                  broken, out, err),
            1);
  EXPECT_EQ(cli::runMutateCommand({}, in, out, err), 2);
}

// The CLI and the server pick a Pod's ServiceAccount with one function
// (docs/behaviour.md §2): spec.serviceAccountName, else the deprecated spec.serviceAccount,
// else "default". The CLI once read only serviceAccountName.
TEST(MutateCommand, ChoosesTheServiceAccountLikeTheServer) {
  const std::string pod = R"({"metadata":{"name":"p","namespace":"demo"},)"
                          R"("spec":{"serviceAccount":"s3-reader","containers":[{"name":"c"}]}})";
  std::istringstream in(pod);
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(cli::runMutateCommand({"--service-accounts-file", kExamples + "/service-accounts.yaml"},
                                  in, out, err),
            0)
      << err.str();
  const json mutated = json::parse(out.str());
  ASSERT_TRUE(mutated["spec"]["containers"][0].contains("env")) << out.str();
  EXPECT_EQ(mutated["spec"]["containers"][0]["env"][1]["name"], "AWS_ROLE_ARN");
  EXPECT_EQ(mutated["spec"]["containers"][0]["env"][1]["value"],
            "arn:aws:iam::111122223333:role/s3-reader");
  EXPECT_EQ(err.str().find("not found"), std::string::npos) << err.str();
}

// The Pod Identity file is read once and acted on: a listed ServiceAccount gets Pod Identity
// (docs/behaviour.md §4), a missing file means no identities, and a malformed one stops the
// command with exit code 1 instead of printing a Pod that silently ignored the file.
TEST(MutateCommand, ActsOnThePodIdentityFile) {
  test::TempDir dir;
  const std::string path = dir.file("identities.json");
  const auto mutate = [&](std::ostringstream& out, std::ostringstream& err) {
    std::istringstream in(test::readFile(kExamples + "/pod.yaml"));
    return cli::runMutateCommand({"--service-accounts-file", kExamples + "/service-accounts.yaml",
                                  "--watch-container-credentials-config", path},
                                 in, out, err);
  };
  {
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(mutate(out, err), 0) << "missing file: no identities; " << err.str();
    EXPECT_FALSE(json::parse(out.str())["metadata"].contains("labels")) << out.str();
  }
  test::writeFile(path, R"({"identities":[{"namespace":"demo","serviceAccount":"s3-reader"}]})");
  {
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_EQ(mutate(out, err), 0) << err.str();
    EXPECT_EQ(json::parse(out.str())["metadata"]["labels"]["eks.amazonaws.com/pod-identity"],
              "enabled")
        << out.str();
  }
  test::writeFile(path, R"({"identities": [ broken)");
  {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(mutate(out, err), 1);
    EXPECT_EQ(out.str(), "") << "no Pod is printed";
    EXPECT_EQ(
        err.str().rfind("irsa-webhook mutate: Pod Identity file " + path + " is malformed", 0), 0u)
        << err.str();
  }
}

TEST(MutateCommand, ReadsTheServiceAccountFromTheClusterViaKubeconfig) {
  test::FakeApiServer api;
  api.put("serviceaccounts", "demo", "s3-reader",
          {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/from-api"}});
  test::TempDir dir;
  const std::string kubeconfig = api.writeKubeconfig(dir);
  std::istringstream in(test::readFile(kExamples + "/pod.yaml"));
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(cli::runMutateCommand({"--kubeconfig", kubeconfig}, in, out, err), 0) << err.str();
  EXPECT_EQ(json::parse(out.str())["spec"]["containers"][0]["env"][0]["value"],
            "arn:aws:iam::1:role/from-api");
  api.setToken("other");
  std::istringstream again(test::readFile(kExamples + "/pod.yaml"));
  EXPECT_EQ(cli::runMutateCommand({"--kubeconfig", kubeconfig}, again, out, err), 1);
  EXPECT_NE(err.str().find("HTTP 401"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace irsa

namespace irsa {
namespace {

// stdout carries only the result: the shared code's log lines (Pod Identity logs one per
// matched Pod) go to stderr. Fails before the fix: the default logger wrote to stdout, in
// front of the Pod.
TEST(MutateBinary, StdoutIsOnlyThePodEvenWhenTheSharedCodeLogs) {
  test::TempDir dir;
  const std::string identities = dir.file("identities.json");
  test::writeFile(identities,
                  R"({"identities":[{"namespace":"demo","serviceAccount":"s3-reader"}]})");
  const std::string command = std::string(IRSA_BINARY) + " mutate --pod " + kExamples +
                              "/pod.yaml --service-accounts-file " + kExamples +
                              "/service-accounts.yaml --watch-container-credentials-config " +
                              identities + " -v=6";
  std::string out;
  ASSERT_EQ(test::runCommand({"/bin/sh", "-c", command + " 2>/dev/null"}, &out), 0) << out;
  const json pod = json::parse(out, nullptr, false);
  ASSERT_FALSE(pod.is_discarded()) << "stdout is not one JSON document:\n" << out;
  EXPECT_EQ(pod["metadata"]["labels"]["eks.amazonaws.com/pod-identity"], "enabled");
  std::string err;
  ASSERT_EQ(test::runCommand({"/bin/sh", "-c", command + " 2>&1 >/dev/null"}, &err), 0);
  EXPECT_EQ(err.find("\"apiVersion\""), std::string::npos) << "the Pod is not on stderr";
}

}  // namespace
}  // namespace irsa
