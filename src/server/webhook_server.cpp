#include "irsa/server/webhook_server.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "server/admission_route.h"
#include "server/https_server.h"

namespace irsa::server {
namespace {

// Bounded label values: an attacker probing random paths must not grow the registry.
std::string pathLabel(std::string_view path) {
  for (const char* known : {"/mutate", "/healthz", "/readyz", "/metrics"}) {
    if (path == known) return std::string(path);
  }
  return "other";
}

std::string verbLabel(std::string_view method) {
  for (const char* known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return std::string(method);
  }
  return "other";
}

constexpr const char* kHandlerExceptions = "irsa_webhook_handler_exceptions_total";

void describeMetrics(MetricsRegistry& metrics) {
  metrics.describe("http_request_count", "counter",
                   "HTTP requests served, by verb, path and code.");
  metrics.describe("pod_identity_webhook_pod_count", "counter",
                   "Pod CREATEs given an identity, by method (sts_web_identity or "
                   "container_credentials).");
  metrics.describe("pod_identity_webhook_missing_sa_count", "counter",
                   "Pod admissions whose ServiceAccount was not found.");
  metrics.describe(kHandlerExceptions, "counter",
                   "Admission requests answered 500 because the handler threw.");
}

}  // namespace

WebhookServer::WebhookServer(ServerOptions options, const admission::ReviewHandler& handler,
                             CertificateStore& certificates, MetricsRegistry& metrics,
                             ReadinessCheck ready)
    : options_(std::move(options)),
      handler_(handler),
      certificates_(certificates),
      metrics_(metrics),
      ready_(std::move(ready)) {
  const int min_version = options_.tls_min_version == 0 ? TLS1_2_VERSION : options_.tls_min_version;
  tls_context_ = SSL_CTX_new(TLS_server_method());
  if (tls_context_ == nullptr) {
    tls_error_ = "cannot create a TLS context";
  } else {
    SSL_CTX_set_options(tls_context_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                          SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_min_proto_version(tls_context_, min_version) != 1) {
      tls_error_ = "TLS minimum version was refused by OpenSSL";
    } else if (!options_.cipher_suites.tls12.empty() &&
               SSL_CTX_set_cipher_list(tls_context_, options_.cipher_suites.tls12.c_str()) != 1) {
      tls_error_ = "TLS 1.2 cipher suites were refused by OpenSSL";
    } else if (!options_.cipher_suites.tls13.empty() &&
               SSL_CTX_set_ciphersuites(tls_context_, options_.cipher_suites.tls13.c_str()) != 1) {
      tls_error_ = "TLS 1.3 cipher suites were refused by OpenSSL";
    }
    certificates_.attachTo(tls_context_);
  }
  metrics_server_ = std::make_unique<httplib::Server>();
  describeMetrics(metrics_);
  mutate_ok_count_ =
      &metrics_.series("http_request_count", R"(verb="POST",path="/mutate",code="200")");
  mutate_route_ = withRequestLog(withMetrics(
      withExceptionBarrier(admissionEndpoint(handler_), metrics_.series(kHandlerExceptions, "")),
      AdmissionCounters{
          metrics_,
          // The Go webhook's label values.
          metrics_.series("pod_identity_webhook_pod_count", R"(method="sts_web_identity")"),
          metrics_.series("pod_identity_webhook_pod_count", R"(method="container_credentials")"),
          metrics_.series("pod_identity_webhook_missing_sa_count", "")}));
  installMetricsRoutes();
}

WebhookServer::~WebhookServer() {
  if (server_ || metrics_thread_.joinable()) shutdown(std::chrono::milliseconds(0));
  SSL_CTX_free(tls_context_);
}

void WebhookServer::addMetricsPage(const std::string& path, std::function<std::string()> render) {
  metrics_server_->Get(
      path, [render = std::move(render)](const httplib::Request&, httplib::Response& response) {
        response.set_content(render(), "application/json");
      });
}

Status WebhookServer::readiness() const {
  if (draining_) return failedPrecondition("shutting down");
  if (!certificates_.hasCertificate()) return failedPrecondition("no serving certificate loaded");
  std::string reason;
  if (ready_ && !ready_(&reason)) return failedPrecondition(std::move(reason));
  return okStatus();
}

HttpResponse WebhookServer::route(const HttpRequest& request) {
  HttpResponse response;
  if (request.path == "/mutate") {
    response = std::move(mutate_route_(request).response);
  } else if (request.path == "/healthz" || request.path == "/readyz") {
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.body = "method " + std::string(request.method) + " not allowed; use GET\n";
    } else if (const Status ready = request.path == "/healthz" ? okStatus() : readiness();
               ready.ok()) {
      response.body = "ok\n";
    } else {
      response.status = 503;
      response.body = ready.message() + "\n";
    }
  } else {
    response.status = 404;
    response.body = "not found\n";
  }
  // During the drain, every answer tells the client to move to another replica.
  response.close_connection = draining_.load();
  if (response.status == 200 && request.method == "POST" && request.path == "/mutate") {
    mutate_ok_count_->fetch_add(1, std::memory_order_relaxed);
    return response;
  }
  metrics_.increment("http_request_count", "verb=\"" + verbLabel(request.method) + "\",path=\"" +
                                               pathLabel(request.path) + "\",code=\"" +
                                               std::to_string(response.status) + "\"");
  return response;
}

void WebhookServer::installMetricsRoutes() {
  metrics_server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_.render(), "text/plain; version=0.0.4");
  });
}

std::string WebhookServer::start() {
  if (tls_context_ == nullptr || !tls_error_.empty()) return tls_error_;
  HttpsServerOptions https;
  https.bind_address = options_.bind_address;
  https.port = options_.port;
  https.threads = options_.worker_threads == 0 ? 1 : options_.worker_threads;
  https.max_request_bytes = options_.max_request_bytes;
  https.read_timeout = options_.read_timeout;
  https.write_timeout = options_.write_timeout;
  https.keep_alive_timeout = options_.keep_alive_timeout;
  server_ = std::make_unique<HttpsServer>(
      https, tls_context_, [this](const HttpRequest& request) { return route(request); });
  if (std::string error = server_->bind(); !error.empty()) {
    server_.reset();
    return error;
  }
  bound_port_ = server_->port();
  if (options_.metrics_port >= 0) {
    metrics_server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
    if (options_.metrics_port == 0) {
      bound_metrics_port_ = metrics_server_->bind_to_any_port(options_.bind_address);
      if (bound_metrics_port_ <= 0) return "cannot bind the metrics port";
    } else {
      if (!metrics_server_->bind_to_port(options_.bind_address, options_.metrics_port)) {
        return "cannot listen on " + options_.bind_address + ":" +
               std::to_string(options_.metrics_port);
      }
      bound_metrics_port_ = options_.metrics_port;
    }
    metrics_thread_ = std::thread([this] { metrics_server_->listen_after_bind(); });
  }
  server_->start();
  // httplib's stop() is a no-op until its accept loop runs: a shutdown racing start()
  // would hang.
  for (int i = 0; i < 500 && metrics_thread_.joinable() && !metrics_server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  spdlog::info("serving admission on {}:{} (metrics on {})", options_.bind_address, bound_port_,
               bound_metrics_port_);
  return {};
}

void WebhookServer::shutdown(std::chrono::milliseconds drain) {
  draining_ = true;
  if (drain.count() > 0) {
    spdlog::info("draining for {} ms before closing the listener", drain.count());
    std::this_thread::sleep_for(drain);
  }
  spdlog::info("closing the listener; finishing in-flight requests, closing idle connections");
  // Returns once in-flight requests are answered and every connection is closed.
  if (server_) server_->stop(std::max(options_.read_timeout, options_.write_timeout) * 2);
  server_.reset();
  metrics_server_->stop();
  if (metrics_thread_.joinable()) metrics_thread_.join();
}

}  // namespace irsa::server
