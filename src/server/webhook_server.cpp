#include "irsa/server/webhook_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

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
std::string pathLabel(const std::string& path) {
  for (const char* known : {"/mutate", "/healthz", "/readyz", "/metrics"}) {
    if (path == known) return path;
  }
  return "other";
}

std::string verbLabel(const std::string& method) {
  for (const char* known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return method;
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
  const CipherSuites suites = options_.cipher_suites;
  server_ = std::make_unique<httplib::SSLServer>([this, min_version, suites](SSL_CTX& context) {
    SSL_CTX_set_options(&context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                      SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_min_proto_version(&context, min_version) != 1) return false;
    if (!suites.tls12.empty() && SSL_CTX_set_cipher_list(&context, suites.tls12.c_str()) != 1) {
      return false;
    }
    if (!suites.tls13.empty() && SSL_CTX_set_ciphersuites(&context, suites.tls13.c_str()) != 1) {
      return false;
    }
    certificates_.attachTo(&context);
    return true;
  });
  metrics_server_ = std::make_unique<httplib::Server>();
  metrics_.describe("http_request_count", "counter",
                    "HTTP requests served, by verb, path and code.");
  metrics_.describe("pod_identity_webhook_pod_count", "counter",
                    "Pods mutated, by method (web_identity or container_credentials).");
  metrics_.describe("pod_identity_webhook_missing_sa_count", "counter",
                    "Pod admissions whose ServiceAccount was not found.");
  metrics_.increment("pod_identity_webhook_missing_sa_count", "", 0);
  installRoutes();
}

WebhookServer::~WebhookServer() {
  if (server_thread_.joinable() || metrics_thread_.joinable())
    shutdown(std::chrono::milliseconds(0));
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

void WebhookServer::installRoutes() {
  httplib::SSLServer& server = *server_;
  const auto mutate = [this](const httplib::Request& request, httplib::Response& response) {
    const auto started = std::chrono::steady_clock::now();
    admission::ReviewResponse review =
        handler_.handle(request.method, request.get_header_value("Content-Type"), request.body);
    response.status = review.http_status;
    response.set_content(review.body, review.content_type);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (review.outcome != admission::Outcome::kRejected) metrics_.observeAdmissionSeconds(seconds);
    if (review.outcome == admission::Outcome::kMutated) {
      metrics_.increment("pod_identity_webhook_pod_count",
                         review.mode == mutate::IdentityMode::kPodIdentity
                             ? R"(method="container_credentials")"
                             : R"(method="web_identity")");
    }
    if (!review.service_account_found) metrics_.increment("pod_identity_webhook_missing_sa_count");
    if (review.outcome == admission::Outcome::kRejected) {
      spdlog::warn("admission request rejected with {}: {}", review.http_status,
                   std::string_view(response.body).substr(0, response.body.size() - 1));
    } else {
      spdlog::debug(
          "admission uid={} namespace={} pod={} serviceaccount={} outcome={} took={:.3f}ms",
          review.uid, review.namespace_name, review.pod_name, review.service_account,
          outcomeName(review.outcome), seconds * 1000);
    }
  };
  server.Post("/mutate", mutate);
  server.Get("/mutate", mutate);
  server.Put("/mutate", mutate);
  server.Patch("/mutate", mutate);
  server.Delete("/mutate", mutate);
  server.Options("/mutate", mutate);
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& response) {
    std::string reason;
    if (isReady(&reason)) {
      response.set_content("ok\n", "text/plain");
    } else {
      response.status = 503;
      response.set_content(reason + "\n", "text/plain");
    }
  });
  server.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    metrics_.increment("http_request_count", "verb=\"" + verbLabel(request.method) + "\",path=\"" +
                                                 pathLabel(request.path) + "\",code=\"" +
                                                 std::to_string(response.status) + "\"");
  });
  // During the drain, every answer tells the client to move to another replica.
  server.set_post_routing_handler([this](const httplib::Request&, httplib::Response& response) {
    if (draining_) response.set_header("Connection", "close");
  });

  metrics_server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_.render(), "text/plain; version=0.0.4");
  });
}

std::string WebhookServer::start() {
  if (!server_->is_valid()) return "TLS settings were refused by OpenSSL";
  const std::size_t workers = options_.worker_threads == 0 ? 1 : options_.worker_threads;
  server_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server_->set_keep_alive_max_count(1000000);
  server_->set_keep_alive_timeout(options_.keep_alive_timeout.count());
  server_->set_read_timeout(options_.read_timeout.count(), 0);
  server_->set_write_timeout(options_.write_timeout.count(), 0);
  server_->set_payload_max_length(options_.max_request_bytes);
  server_->set_tcp_nodelay(true);

  if (options_.port == 0) {
    bound_port_ = server_->bind_to_any_port(options_.bind_address);
    if (bound_port_ <= 0) return "cannot bind " + options_.bind_address + " to a free port";
  } else {
    if (!server_->bind_to_port(options_.bind_address, options_.port)) {
      return "cannot listen on " + options_.bind_address + ":" + std::to_string(options_.port);
    }
    bound_port_ = options_.port;
  }
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
  server_thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so a shutdown racing start() would hang.
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
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
  server_->stop();
  metrics_server_->stop();
  spdlog::info("listener closed; finishing in-flight requests and idle keep-alive connections");
  // listen_after_bind returns once the worker pool has finished in-flight requests.
  if (server_thread_.joinable()) server_thread_.join();
  if (metrics_thread_.joinable()) metrics_thread_.join();
}

}  // namespace irsa::server
