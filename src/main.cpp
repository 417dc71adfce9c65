// irsa-webhook: flags -> config -> wiring. The behaviour lives in the modules.

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <random>

#include "irsa/admission/review_handler.h"
#include "irsa/config/config.h"
#include "irsa/config/logging.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/server/webhook_server.h"
#include "wiring/check_flags_command.h"
#include "wiring/identity_sources.h"
#include "wiring/mutate_command.h"
#include "wiring/options_from_config.h"

namespace {

using irsa::config::Config;

irsa::server::ServerOptions serverOptions(const Config& c) {
  irsa::server::ServerOptions options;
  options.bind_address = c.bind_address;
  options.port = c.port;
  options.metrics_port = c.metrics_port;
  options.tls_min_version = irsa::server::parseTlsMinVersion(c.tls_min_version).value_or(0);
  options.cipher_suites = irsa::server::parseCipherSuites(c.tls_cipher_suites)
                              .suites.value_or(irsa::server::CipherSuites{});
  options.worker_threads = static_cast<std::size_t>(c.worker_threads);
  options.max_request_bytes = static_cast<std::size_t>(c.max_request_bytes);
  options.read_timeout = std::chrono::duration_cast<std::chrono::seconds>(c.read_timeout);
  options.write_timeout = std::chrono::duration_cast<std::chrono::seconds>(c.write_timeout);
  if (options.read_timeout.count() == 0) options.read_timeout = std::chrono::seconds(1);
  if (options.write_timeout.count() == 0) options.write_timeout = std::chrono::seconds(1);
  return options;
}

// Pod Identity expiration jitter: one generator per worker thread, no locking.
std::int64_t randomBetween(std::int64_t low, std::int64_t high) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_int_distribution<std::int64_t>(low, high)(generator);
}

int serve(const Config& config) {
  // Signals are taken synchronously by this thread; every thread started below inherits
  // the blocked mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  irsa::server::MetricsRegistry metrics;
  auto sources = irsa::wiring::makeIdentitySources(config, metrics);
  if (!sources.error.empty()) {
    spdlog::critical("{}", sources.error);
    return 1;
  }

  irsa::server::CertificateStore certificates(sources.tls_cert, sources.tls_key);
  if (const std::string error = certificates.load(); !error.empty()) {
    // Not fatal: the files may appear shortly (a Secret volume being populated). Until
    // then handshakes fail and /readyz says why.
    spdlog::error("serving certificate not loaded yet: {}", error);
  }
  certificates.watch(std::chrono::seconds(1));

  const irsa::identity::IdentityResolver& resolver = *sources.resolver;
  irsa::admission::ReviewHandler handler(
      irsa::wiring::mutationOptions(config),
      [&resolver](const std::string& ns, const std::string& sa) {
        const irsa::identity::Resolution resolution = resolver.resolve(ns, sa);
        return irsa::admission::LookupResult{resolution.identity, resolution.service_account_found};
      },
      &randomBetween);

  irsa::server::WebhookServer server(
      serverOptions(config), handler, certificates, metrics,
      [&sources](std::string* reason) { return sources.ready(reason); });
  if (config.enable_debugging_handlers && sources.debug_dump) {
    server.addMetricsPage("/debug/alpha/cache", sources.debug_dump);
  }
  if (const std::string error = server.start(); !error.empty()) {
    spdlog::critical("{}", error);
    return 1;
  }

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
  server.shutdown(config.shutdown_drain_delay);
  spdlog::info("admission server stopped; stopping watches");
  sources.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "mutate") {
    return irsa::wiring::runMutateCommand({args.begin() + 1, args.end()}, std::cin, std::cout,
                                          std::cerr);
  }
  if (!args.empty() && args[0] == "check-flags") {
    return irsa::wiring::runCheckFlagsCommand({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  auto parsed = irsa::config::parseFlags(args);
  if (auto* error = std::get_if<irsa::config::ParseError>(&parsed)) {
    std::cerr << "irsa-webhook: " << error->message << "\n";
    return 2;
  }
  const Config& config = std::get<Config>(parsed);
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
