#include "irsa/kube/client_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "kube/exec_credential.h"
#include "support/tls_test_files.h"

namespace irsa::kube {
namespace {

std::string configError(const std::string& text, const std::string& path = "/tmp/kc") {
  const ConfigResult result = parseKubeconfig(text, path);
  if (const auto* error = std::get_if<ConfigError>(&result)) return error->message;
  return "<no error>";
}

ClientConfig configOk(const std::string& text, const std::string& path = "/tmp/kc") {
  const ConfigResult result = parseKubeconfig(text, path);
  if (const auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<ClientConfig>(result);
}

constexpr const char* kHead = R"(apiVersion: v1
kind: Config
current-context: ctx
contexts:
- name: ctx
  context: {cluster: c, user: u}
)";

TEST(Kubeconfig, KindStyleClientCertificateData) {
  // "aGVsbG8=" is base64 for "hello".
  const ClientConfig config = configOk(std::string(kHead) + R"(clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: aGVsbG8=
users:
- name: u
  user:
    client-certificate-data: Y2VydA==
    client-key-data: a2V5
)");
  EXPECT_EQ(config.server, "https://127.0.0.1:6443");
  EXPECT_EQ(config.ca_pem, "hello");
  EXPECT_EQ(config.client_certificate_pem, "cert");
  EXPECT_EQ(config.client_key_pem, "key");
  EXPECT_FALSE(config.insecure_skip_tls_verify);
}

TEST(Kubeconfig, FilesRelativeToTheKubeconfigTokenFileAndInsecure) {
  test::TempDir dir;
  test::writeFile(dir.file("ca.pem"), "CA");
  test::writeFile(dir.file("token"), "abc\n");
  const ClientConfig config = configOk(std::string(kHead) + R"(clusters:
- name: c
  cluster:
    server: https://example:443
    certificate-authority: ca.pem
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    tokenFile: token
)",
                                       dir.file("kubeconfig"));
  EXPECT_EQ(config.ca_pem, "CA");
  EXPECT_TRUE(config.insecure_skip_tls_verify);
  EXPECT_EQ(config.token_file, dir.file("token"));
}

TEST(Kubeconfig, StaticTokenAndExecPlugin) {
  const ClientConfig token = configOk(std::string(kHead) +
                                      "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n"
                                      "users:\n- name: u\n  user: {token: s3cr3t}\n");
  EXPECT_EQ(token.token, "s3cr3t");
  const ClientConfig exec = configOk(std::string(kHead) + R"(clusters:
- name: c
  cluster: {server: 'https://h'}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, demo]
      env: [{name: AWS_PROFILE, value: prod}]
)");
  ASSERT_TRUE(exec.exec.has_value());
  EXPECT_EQ(exec.exec->command, "aws");
  EXPECT_EQ(exec.exec->args.size(), 4u);
  EXPECT_EQ(exec.exec->env[0].second, "prod");
  EXPECT_EQ(exec.exec->api_version, "client.authentication.k8s.io/v1beta1");
}

TEST(Kubeconfig, BrokenVariantsGiveClearErrors) {
  const std::string cluster = "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "not valid YAML"},
      {"- a\n- b\n", "expected a mapping"},
      {"kind: Config\n", "current-context is not set"},
      {"current-context: nope\n", "context \"nope\" not found"},
      {std::string(kHead), "cluster \"c\" not found"},
      {std::string(kHead) + "clusters:\n- name: c\n  cluster: {}\n", "has no server"},
      {std::string(kHead) + "clusters:\n- name: c\n  cluster: {server: 'ftp://x'}\n",
       "must start with https://"},
      {std::string(kHead) + cluster, "user \"u\" not found"},
      {std::string(kHead) + "clusters:\n- name: c\n  cluster: {server: 'https://h', "
                            "certificate-authority-data: '!!'}\n",
       "not valid base64"},
      {std::string(kHead) + "clusters:\n- name: c\n  cluster: {server: 'https://h', "
                            "certificate-authority: /nope/ca}\n",
       "cannot read certificate-authority file /nope/ca"},
      {std::string(kHead) + cluster +
           "users:\n- name: u\n  user: {client-certificate-data: Y2VydA==}\n",
       "needs both client-certificate and client-key"},
      {std::string(kHead) + cluster + "users:\n- name: u\n  user: {tokenFile: /nope/token}\n",
       "cannot read tokenFile"},
      {std::string(kHead) + cluster + "users:\n- name: u\n  user: {exec: {args: [x]}}\n",
       "exec plugin without command"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = configError(text);
    EXPECT_NE(error.find(expected), std::string::npos) << "got: " << error;
    EXPECT_EQ(error.rfind("kubeconfig /tmp/kc", 0), 0u) << "names the file: " << error;
  }
  const ConfigResult missing = loadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(missing));
  EXPECT_NE(std::get<ConfigError>(missing).message.find("/nonexistent/kubeconfig"),
            std::string::npos);
}

TEST(InCluster, ReadsEnvironmentAndFiles) {
  test::TempDir dir;
  test::writeFile(dir.file("token"), "tok");
  test::writeFile(dir.file("ca.crt"), "CA");
  ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);  // NOLINT(concurrency-mt-unsafe)
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);      // NOLINT(concurrency-mt-unsafe)
  const ConfigResult result = inClusterConfig({dir.file("token"), dir.file("ca.crt")});
  ASSERT_TRUE(std::holds_alternative<ClientConfig>(result));
  EXPECT_EQ(std::get<ClientConfig>(result).server, "https://[fd00::1]:443");
  EXPECT_EQ(std::get<ClientConfig>(result).token_file, dir.file("token"));
  const ConfigResult no_token = inClusterConfig({dir.file("absent"), dir.file("ca.crt")});
  ASSERT_TRUE(std::holds_alternative<ConfigError>(no_token));
  ::unsetenv("KUBERNETES_SERVICE_HOST");  // NOLINT(concurrency-mt-unsafe)
  const ConfigResult outside = inClusterConfig({dir.file("token"), dir.file("ca.crt")});
  ASSERT_TRUE(std::holds_alternative<ConfigError>(outside));
  EXPECT_NE(std::get<ConfigError>(outside).message.find("--kubeconfig"), std::string::npos);
}

TEST(ExecCredential, ParsesTokenAndExpiry) {
  const auto result = parseExecCredential(
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1",
          "status":{"token":"k8s-aws-v1.abc","expirationTimestamp":"2030-01-02T03:04:05Z"}})");
  ASSERT_TRUE(result.credential) << result.error;
  EXPECT_EQ(result.credential->token, "k8s-aws-v1.abc");
  ASSERT_TRUE(result.credential->expiry);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*result.credential->expiry), 1893553445);
  EXPECT_FALSE(parseExecCredential("{}").credential);
  EXPECT_FALSE(parseExecCredential(R"({"status":{}})").credential);
  EXPECT_FALSE(
      parseExecCredential(R"({"status":{"token":"x","expirationTimestamp":"soon"}})").credential);
}

TEST(ExecCredential, RunsThePluginWithItsEnvironment) {
  ExecConfig plugin;
  plugin.command = "/bin/sh";
  plugin.args = {"-c", R"(printf '{"status":{"token":"%s"}}' "$MY_TOKEN")"};
  plugin.env = {{"MY_TOKEN", "from-env"}};
  const auto result = runExecPlugin(plugin, std::chrono::seconds(5));
  ASSERT_TRUE(result.credential) << result.error;
  EXPECT_EQ(result.credential->token, "from-env");
  plugin.args = {"-c", "exit 3"};
  EXPECT_NE(runExecPlugin(plugin, std::chrono::seconds(5)).error.find("status 3"),
            std::string::npos);
  plugin.args = {"-c", "sleep 5"};
  EXPECT_NE(runExecPlugin(plugin, std::chrono::seconds(1)).error.find("timed out"),
            std::string::npos);
}

}  // namespace
}  // namespace irsa::kube
