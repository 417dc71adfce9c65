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

Result<ExecCredential> parseExecCredential(const std::string& json_text) {
  const auto document = nlohmann::json::parse(json_text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return invalidArgument("exec plugin output is not a JSON ExecCredential");
  }
  const auto status = document.find("status");
  if (status == document.end() || !status->is_object()) {
    return invalidArgument("exec plugin output has no status");
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
    return invalidArgument("exec plugin returned neither a token nor a client certificate");
  }
  const std::string expiry = text("expirationTimestamp");
  if (!expiry.empty()) {
    credential.expiry = parseRfc3339(expiry);
    if (!credential.expiry)
      return invalidArgument("exec plugin expirationTimestamp is not RFC 3339");
  }
  return credential;
}

namespace {

// The plugin's argv and environment (ours, its `env` entries, then KUBERNETES_EXEC_INFO),
// built before fork so the child only calls async-signal-safe functions.
class PluginCommandLine {
 public:
  explicit PluginCommandLine(const ExecConfig& plugin) {
    env_strings_.reserve(64 + plugin.env.size());
    for (char** e = environ; *e != nullptr; ++e) env_strings_.emplace_back(*e);
    for (const auto& [name, value] : plugin.env) {
      std::string entry = name;
      entry += '=';
      entry += value;
      env_strings_.push_back(std::move(entry));
    }
    env_strings_.push_back(R"(KUBERNETES_EXEC_INFO={"apiVersion":")" + plugin.api_version +
                           R"(","kind":"ExecCredential","spec":{"interactive":false}})");
    argv_strings_ = {plugin.command};
    argv_strings_.insert(argv_strings_.end(), plugin.args.begin(), plugin.args.end());
    argv_.reserve(argv_strings_.size() + 1);
    for (auto& a : argv_strings_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
    envp_.reserve(env_strings_.size() + 1);
    for (auto& e : env_strings_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }
  PluginCommandLine(const PluginCommandLine&) = delete;
  PluginCommandLine& operator=(const PluginCommandLine&) = delete;

  char* const* argv() const { return argv_.data(); }
  char* const* envp() const { return envp_.data(); }

 private:
  std::vector<std::string> env_strings_;
  std::vector<std::string> argv_strings_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

// In the forked child: stdout to the pipe, stdin from /dev/null, then the plugin.
[[noreturn]] void execPlugin(const PluginCommandLine& command_line, int stdout_fd) {
  ::dup2(stdout_fd, 1);
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  ::execvpe(command_line.argv()[0], command_line.argv(), command_line.envp());
  ::_exit(127);
}

struct PluginOutput {
  std::string text;
  bool timed_out = false;
};

// Reads the plugin's stdout until it closes, 1 MiB has arrived, or `timeout` passes.
PluginOutput readPluginOutput(int fd, std::chrono::seconds timeout) {
  PluginOutput output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      output.timed_out = true;
      break;
    }
    pollfd poll_fd{fd, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    output.text.append(buffer, static_cast<std::size_t>(n));
    if (output.text.size() > (1 << 20)) break;
  }
  return output;
}

}  // namespace

Result<ExecCredential> runExecPlugin(const ExecConfig& plugin, std::chrono::seconds timeout) {
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return unavailable("exec plugin: cannot create a pipe");
  PluginCommandLine command_line(plugin);
  const pid_t pid = ::fork();
  if (pid < 0) return unavailable("exec plugin: fork failed");
  if (pid == 0) execPlugin(command_line, out_pipe[1]);
  ::close(out_pipe[1]);
  const PluginOutput output = readPluginOutput(out_pipe[0], timeout);
  ::close(out_pipe[0]);
  if (output.timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (output.timed_out) return deadlineExceeded("exec plugin " + plugin.command + " timed out");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return unavailable(
        "exec plugin " + plugin.command + " failed with status " +
        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  }
  return parseExecCredential(output.text);
}

}  // namespace irsa::kube
