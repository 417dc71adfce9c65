#pragma once

// Starts the real irsa-webhook binary as a child process for end-to-end tests.

#include <string>
#include <vector>

namespace irsa::test {

int freePort();

class WebhookProcess {
 public:
  // Starts `binary` with `args`; stderr goes to `log_path`.
  WebhookProcess(const std::string& binary, const std::vector<std::string>& args,
                 const std::string& log_path);
  ~WebhookProcess();
  WebhookProcess(const WebhookProcess&) = delete;
  WebhookProcess& operator=(const WebhookProcess&) = delete;

  // Polls https://127.0.0.1:port/readyz until 200 or the timeout; false on timeout or exit.
  bool waitReady(int port, int timeout_ms);
  void signal(int signal_number);
  // Waits for exit; returns the exit code, or -1 on timeout (the process is then killed).
  int wait(int timeout_ms);
  bool running();

 private:
  int pid_ = -1;
  int exit_code_ = -1;
};

// Runs a command to completion, capturing stdout+stderr. Returns the exit code.
int runCommand(const std::vector<std::string>& argv, std::string* output);

}  // namespace irsa::test
