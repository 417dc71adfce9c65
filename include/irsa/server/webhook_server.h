#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "irsa/admission/review_handler.h"
#include "irsa/openssl/handles.h"
#include "irsa/server/certificate_store.h"
#include "irsa/server/metrics.h"
#include "irsa/server/tls_settings.h"
#include "irsa/status/status.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace irsa::server {

class HttpsServer;
struct AdmissionExchange;
struct HttpRequest;
struct HttpResponse;
struct ServerMetrics;

struct ServerOptions {
  std::string bind_address = "::";  // dual-stack; 0.0.0.0 where there is no IPv6
  int port = 443;                   // 0 picks a free port (tests)
  int metrics_port = 9999;          // 0 picks a free port; -1 disables the metrics listener
  int tls_min_version = 0;          // OpenSSL constant; 0 means TLS 1.2
  CipherSuites cipher_suites;       // empty: ECDHE with AEAD only for TLS 1.2
  // PEM CA bundle; set: clients may present a certificate, verified against it, and
  // /mutate answers 403 without one (the probes' /healthz and /readyz do not need one).
  std::string client_ca_file;
  // Threads serving admission requests. Connections are multiplexed over them, so this
  // bounds how many requests run at once (a request waiting on a ServiceAccount cache
  // miss holds one), not how many connections stay open.
  std::size_t worker_threads = 64;
  std::size_t max_request_bytes = std::size_t{3} * 1024 * 1024;
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  // Idle keep-alive connections are closed after this (and at once on shutdown).
  std::chrono::seconds keep_alive_timeout{10};
  // On shutdown, how long a connection that has not begun its first request may still
  // send it (docs/operations.md, "Shutdown").
  std::chrono::milliseconds first_request_grace{5000};
};

// OK when the webhook may receive traffic; otherwise the reason /readyz answers with.
using ReadinessCheck = std::function<Status()>;

// The HTTPS admission endpoint (/mutate, /healthz, /readyz) and the plain-HTTP metrics
// endpoint (/metrics and optional debug pages).
class WebhookServer {
 public:
  WebhookServer(ServerOptions options, const admission::ReviewHandler& handler,
                CertificateStore& certificates, MetricsRegistry& metrics, ReadinessCheck ready);
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Adds a GET page on the metrics port (e.g. /debug/alpha/cache). Call before start().
  void addMetricsPage(const std::string& path, std::function<std::string()> render);

  // Binds both ports and starts serving; on failure nothing serves and the status says why.
  Status start();
  int port() const { return bound_port_; }
  int metricsPort() const { return bound_metrics_port_; }

  // Graceful stop: /readyz turns 503 and every response asks the client to close its
  // connection; after `drain` the listener closes, in-flight requests finish and idle
  // keep-alive connections are closed. Blocks until both servers have stopped.
  void shutdown(std::chrono::milliseconds drain);

  // What /readyz answers: OK, or failedPrecondition with the reason (docs/behaviour.md §6).
  Status readiness() const;

 private:
  void installMetricsRoutes();
  Status startMetrics();
  int bindMetrics(const std::string& address);  // the bound port, <= 0 on failure
  HttpResponse route(const HttpRequest& request);

  ServerOptions options_;
  const admission::ReviewHandler& handler_;
  CertificateStore& certificates_;
  MetricsRegistry& metrics_;
  ReadinessCheck ready_;
  openssl::SslContextPtr tls_context_;  // configured from options_ and certificates_
  Status tls_status_;                   // why tls_context_ could not be configured
  std::unique_ptr<HttpsServer> server_;
  std::unique_ptr<httplib::Server> metrics_server_;
  std::thread metrics_thread_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<const ServerMetrics> server_metrics_;  // server/server_metrics.h
  // POST /mutate: the handler inside its wrappers (server/admission_route.h).
  std::function<AdmissionExchange(const HttpRequest&)> mutate_route_;
  int bound_port_ = 0;
  int bound_metrics_port_ = 0;
};

}  // namespace irsa::server
