// irsa-webhook: flags -> config -> App (the composition root) -> run until a signal -> stop.
// The behaviour lives in the modules; the subcommands live in cli.

#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "cli/check_flags_command.h"
#include "cli/mutate_command.h"
#include "irsa/app/app.h"
#include "irsa/config/config.h"
#include "irsa/config/logging.h"

namespace {

int serve(const irsa::config::Config& config) {
  // Signals are taken synchronously by this thread; every thread started below inherits
  // the blocked mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto app = irsa::app::App::create(config);
  if (!app.ok()) {
    spdlog::critical("{}", app.status().message());
    return 1;
  }
  if (const irsa::Status started = (*app)->start(); !started.ok()) {
    spdlog::critical("{}", started.message());
    return 1;
  }

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*app)->stop();
  spdlog::info("stopped");
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "mutate") {
    return irsa::cli::runMutateCommand({args.begin() + 1, args.end()}, std::cin, std::cout,
                                       std::cerr);
  }
  if (!args.empty() && args[0] == "check-flags") {
    return irsa::cli::runCheckFlagsCommand({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  auto parsed = irsa::config::parseFlags(args);
  if (!parsed.ok()) {
    std::cerr << "irsa-webhook: " << parsed.status().message() << "\n";
    return 2;
  }
  const irsa::config::Config& config = *parsed;
  if (config.show_help) {
    std::cout << irsa::config::usage();
    return 0;
  }
  if (config.show_version) {
    std::cout << "irsa-webhook " << IRSA_VERSION << "\n";
    return 0;
  }
  irsa::config::configureLogging(config);
  return serve(config);
}

}  // namespace

// The last exception barrier: every thread the webhook starts has its own (the request
// handlers, the background tasks), so reaching this one is a bug in start-up or shutdown;
// it still ends with one log line and exit code 1 instead of std::terminate.
int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    std::cerr << "irsa-webhook: unexpected error: " << error.what() << "\n";
  } catch (...) {
    std::cerr << "irsa-webhook: unexpected error\n";
  }
  return 1;
}
