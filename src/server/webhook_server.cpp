#include "irsa/server/webhook_server.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "server/https_server.h"

namespace irsa::server {
namespace {

const char* outcomeName(admission::Outcome outcome) {
  switch (outcome) {
    case admission::Outcome::kMutated:
      return "mutated";
    case admission::Outcome::kUnchanged:
      return "unchanged";
    case admission::Outcome::kIgnored:
      return "ignored";
    case admission::Outcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

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
  metrics_.describe("http_request_count", "counter",
                    "HTTP requests served, by verb, path and code.");
  metrics_.describe("pod_identity_webhook_pod_count", "counter",
                    "Pod CREATEs given an identity, by method (sts_web_identity or "
                    "container_credentials).");
  metrics_.describe("pod_identity_webhook_missing_sa_count", "counter",
                    "Pod admissions whose ServiceAccount was not found.");
  metrics_.increment("pod_identity_webhook_missing_sa_count", "", 0);
  mutate_ok_count_ =
      &metrics_.series("http_request_count", R"(verb="POST",path="/mutate",code="200")");
  // The Go webhook's label values. Like it, a Pod counts once an identity is found for it,
  // whether or not its containers already had everything.
  web_identity_count_ =
      &metrics_.series("pod_identity_webhook_pod_count", R"(method="sts_web_identity")");
  container_credentials_count_ =
      &metrics_.series("pod_identity_webhook_pod_count", R"(method="container_credentials")");
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

bool WebhookServer::isReady(std::string* reason) const {
  if (draining_) {
    *reason = "shutting down";
    return false;
  }
  if (!certificates_.hasCertificate()) {
    *reason = "no serving certificate loaded";
    return false;
  }
  return !ready_ || ready_(reason);
}

HttpResponse WebhookServer::route(const HttpRequest& request) {
  HttpResponse response;
  if (request.path == "/mutate") {
    const auto started = std::chrono::steady_clock::now();
    admission::ReviewResponse review =
        handler_.handle(request.method, request.content_type, request.body);
    response.status = review.http_status;
    response.content_type = std::move(review.content_type);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (review.outcome != admission::Outcome::kRejected) metrics_.observeAdmissionSeconds(seconds);
    if (review.has_identity) {
      (review.mode == mutate::IdentityMode::kPodIdentity ? container_credentials_count_
                                                         : web_identity_count_)
          ->fetch_add(1, std::memory_order_relaxed);
    }
    if (!review.service_account_found) metrics_.increment("pod_identity_webhook_missing_sa_count");
    if (review.outcome == admission::Outcome::kRejected) {
      spdlog::warn("admission request rejected with {}: {}", review.http_status,
                   std::string_view(review.body).substr(0, review.body.size() - 1));
    } else {
      spdlog::debug(
          "admission uid={} namespace={} pod={} serviceaccount={} outcome={} took={:.3f}ms",
          review.uid, review.namespace_name, review.pod_name, review.service_account,
          outcomeName(review.outcome), seconds * 1000);
    }
    response.body = std::move(review.body);
  } else if (request.path == "/healthz" || request.path == "/readyz") {
    std::string reason;
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.body = "method " + std::string(request.method) + " not allowed; use GET\n";
    } else if (request.path == "/healthz" || isReady(&reason)) {
      response.body = "ok\n";
    } else {
      response.status = 503;
      response.body = reason + "\n";
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
