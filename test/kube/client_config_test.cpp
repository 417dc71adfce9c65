#include "irsa/kube/client_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "kube/exec_credential.h"
#include "support/tls_test_files.h"

namespace irsa::kube {
namespace {

Status configError(const std::string& text, const std::string& path = "/tmp/kc") {
  const Result<ClientConfig> result = parseKubeconfig(text, path);
  if (!result.ok()) return result.status();
  return {StatusCode::kOk, "<no error>"};
}

ClientConfig configOk(const std::string& text, const std::string& path = "/tmp/kc") {
  Result<ClientConfig> result = parseKubeconfig(text, path);
  if (!result.ok()) {
    ADD_FAILURE() << result.status().message();
    return {};
  }
  return std::move(result).value();
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
  struct BrokenCase {
    std::string text;
    std::string expected;
    StatusCode code = StatusCode::kInvalidArgument;  // a file it names is missing: kNotFound
  };
  const std::vector<BrokenCase> cases = {
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
       "cannot read certificate-authority file /nope/ca", StatusCode::kNotFound},
      {std::string(kHead) + cluster +
           "users:\n- name: u\n  user: {client-certificate-data: Y2VydA==}\n",
       "needs both client-certificate and client-key"},
      {std::string(kHead) + cluster + "users:\n- name: u\n  user: {tokenFile: /nope/token}\n",
       "cannot read tokenFile", StatusCode::kNotFound},
      {std::string(kHead) + cluster + "users:\n- name: u\n  user: {exec: {args: [x]}}\n",
       "exec plugin without command"},
  };
  for (const auto& [text, expected, code] : cases) {
    const Status error = configError(text);
    EXPECT_EQ(error.code(), code) << "got: " << error.message();
    EXPECT_NE(error.message().find(expected), std::string::npos) << "got: " << error.message();
    EXPECT_EQ(error.message().rfind("kubeconfig /tmp/kc", 0), 0u)
        << "names the file: " << error.message();
  }
  const Result<ClientConfig> missing = loadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "kubeconfig /nonexistent/kubeconfig: cannot read the file");
}

TEST(InCluster, ReadsEnvironmentAndFiles) {
  test::TempDir dir;
  test::writeFile(dir.file("token"), "tok");
  test::writeFile(dir.file("ca.crt"), "CA");
  ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);  // NOLINT(concurrency-mt-unsafe)
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);      // NOLINT(concurrency-mt-unsafe)
  const Result<ClientConfig> result = inClusterConfig({dir.file("token"), dir.file("ca.crt")});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->server, "https://[fd00::1]:443");
  EXPECT_EQ(result->token_file, dir.file("token"));
  const Result<ClientConfig> no_token = inClusterConfig({dir.file("absent"), dir.file("ca.crt")});
  ASSERT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.status().code(), StatusCode::kNotFound);
  ::unsetenv("KUBERNETES_SERVICE_HOST");  // NOLINT(concurrency-mt-unsafe)
  const Result<ClientConfig> outside = inClusterConfig({dir.file("token"), dir.file("ca.crt")});
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(outside.status().message().find("--kubeconfig"), std::string::npos);
}

TEST(ResolveClientConfig, KubeApiOverridesTheServer) {
  test::TempDir dir;
  test::writeFile(dir.file("kubeconfig"),
                  std::string(kHead) +
                      "clusters:\n- name: c\n  cluster: {server: 'https://from-file'}\n"
                      "users:\n- name: u\n  user: {token: t}\n");
  const Result<ClientConfig> from_file =
      resolveClientConfig(dir.file("kubeconfig"), "https://override:6443");
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->server, "https://override:6443");
  EXPECT_EQ(from_file->token, "t");

  ::unsetenv("KUBERNETES_SERVICE_HOST");  // NOLINT(concurrency-mt-unsafe)
  const Result<ClientConfig> server_only = resolveClientConfig("", "http://127.0.0.1:8080");
  ASSERT_TRUE(server_only.ok()) << server_only.status().message();
  EXPECT_EQ(server_only->server, "http://127.0.0.1:8080");
  EXPECT_EQ(server_only->origin, "--kube-api");
  EXPECT_TRUE(server_only->token_file.empty());
  EXPECT_EQ(resolveClientConfig("", "").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(resolveClientConfig(dir.file("absent"), "").status().code(), StatusCode::kNotFound);
}

TEST(ExecCredential, ParsesTokenAndExpiry) {
  const auto result = parseExecCredential(
      R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1",
          "status":{"token":"k8s-aws-v1.abc","expirationTimestamp":"2030-01-02T03:04:05Z"}})");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->token, "k8s-aws-v1.abc");
  ASSERT_TRUE(result->expiry);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*result->expiry), 1893553445);
  EXPECT_EQ(parseExecCredential("{}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parseExecCredential(R"({"status":{}})").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      parseExecCredential(R"({"status":{"token":"x","expirationTimestamp":"soon"}})").status(),
      invalidArgument("exec plugin expirationTimestamp is not RFC 3339"));
}

TEST(ExecCredential, RunsThePluginWithItsEnvironment) {
  ExecConfig plugin;
  plugin.command = "/bin/sh";
  plugin.args = {"-c", R"(printf '{"status":{"token":"%s"}}' "$MY_TOKEN")"};
  plugin.env = {{"MY_TOKEN", "from-env"}};
  const auto result = runExecPlugin(plugin, std::chrono::seconds(5));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->token, "from-env");
  plugin.args = {"-c", "exit 3"};
  const Status failed = runExecPlugin(plugin, std::chrono::seconds(5)).status();
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("status 3"), std::string::npos);
  plugin.args = {"-c", "sleep 5"};
  const Status late = runExecPlugin(plugin, std::chrono::seconds(1)).status();
  EXPECT_EQ(late.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(late.message().find("timed out"), std::string::npos);
}

}  // namespace
}  // namespace irsa::kube
