#include "kube/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

extern char** environ;

namespace irsa::kube {

std::optional<std::chrono::system_clock::time_point> parseRfc3339(const std::string& text) {
  std::tm parts{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (end == nullptr) return std::nullopt;
  if (*end == '.') {
    ++end;
    while (*end >= '0' && *end <= '9') ++end;
  }
  long offset_seconds = 0;
  if (*end == '+' || *end == '-') {
    auto digits = [](const char* p) {
      return p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9';
    };
    if (!digits(end + 1) || end[3] != ':' || !digits(end + 4)) return std::nullopt;
    const int hours = (end[1] - '0') * 10 + (end[2] - '0');
    const int minutes = (end[4] - '0') * 10 + (end[5] - '0');
    offset_seconds = (hours * 3600L + minutes * 60L) * (*end == '+' ? 1 : -1);
  } else if (*end != 'Z') {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&parts) - offset_seconds);
}

ExecCredentialResult parseExecCredential(const std::string& json_text) {
  const auto document = nlohmann::json::parse(json_text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return {std::nullopt, "exec plugin output is not a JSON ExecCredential"};
  }
  const auto status = document.find("status");
  if (status == document.end() || !status->is_object()) {
    return {std::nullopt, "exec plugin output has no status"};
  }
  ExecCredential credential;
  auto text = [&](const char* key) {
    const auto it = status->find(key);
    return it != status->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  credential.token = text("token");
  credential.client_certificate_pem = text("clientCertificateData");
  credential.client_key_pem = text("clientKeyData");
  if (credential.token.empty() && credential.client_certificate_pem.empty()) {
    return {std::nullopt, "exec plugin returned neither a token nor a client certificate"};
  }
  const std::string expiry = text("expirationTimestamp");
  if (!expiry.empty()) {
    credential.expiry = parseRfc3339(expiry);
    if (!credential.expiry)
      return {std::nullopt, "exec plugin expirationTimestamp is not RFC 3339"};
  }
  return {credential, {}};
}

ExecCredentialResult runExecPlugin(const ExecConfig& plugin, std::chrono::seconds timeout) {
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return {std::nullopt, "exec plugin: cannot create a pipe"};
  std::vector<std::string> env_strings;
  env_strings.reserve(64 + plugin.env.size());
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [name, value] : plugin.env) {
    std::string entry = name;
    entry += '=';
    entry += value;
    env_strings.push_back(std::move(entry));
  }
  env_strings.push_back(R"(KUBERNETES_EXEC_INFO={"apiVersion":")" + plugin.api_version +
                        R"(","kind":"ExecCredential","spec":{"interactive":false}})");
  std::vector<std::string> argv_strings = {plugin.command};
  argv_strings.insert(argv_strings.end(), plugin.args.begin(), plugin.args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) return {std::nullopt, "exec plugin: fork failed"};
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fd{out_pipe[0], POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(out_pipe[0], buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > (1 << 20)) break;
  }
  ::close(out_pipe[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) return {std::nullopt, "exec plugin " + plugin.command + " timed out"};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return {std::nullopt,
            "exec plugin " + plugin.command + " failed with status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status))};
  }
  return parseExecCredential(output);
}

}  // namespace irsa::kube
