#include "irsa/server/webhook_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include "irsa/status/result.h"
#include "server/admission_route.h"
#include "server/https_server.h"
#include "server/listen_socket.h"
#include "server/server_metrics.h"

namespace irsa::server {
namespace {

// Without --tls-cipher-suites: forward secrecy and authenticated encryption only; no CBC,
// no RSA key exchange (docs/security.md, "TLS"). TLS 1.3's suites all qualify.
constexpr std::string_view kModernTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Asks clients for a certificate and verifies one that is presented against `ca_file`.
// Not presenting one is allowed at the TLS level so kubelet's HTTPS probes keep working;
// route() refuses /mutate without one (docs/security.md, "Client certificates").
Status verifyClients(SSL_CTX* context, const std::string& ca_file) {
  if (SSL_CTX_load_verify_locations(context, ca_file.c_str(), nullptr) != 1) {
    return invalidArgument("--client-ca-file: cannot read a PEM CA bundle from " + ca_file);
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  if (names == nullptr) return invalidArgument("--client-ca-file: no certificate in " + ca_file);
  SSL_CTX_set_client_CA_list(context, names);  // takes ownership
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  return okStatus();
}

// A server TLS context with the configured minimum version and cipher suites; failure
// names the setting OpenSSL refused.
Result<openssl::SslContextPtr> newTlsContext(const ServerOptions& options) {
  openssl::SslContextPtr context(SSL_CTX_new(TLS_server_method()));
  if (!context) return internalError("cannot create a TLS context");
  SSL_CTX_set_options(context.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                         SSL_OP_CIPHER_SERVER_PREFERENCE);
  const int min_version = options.tls_min_version == 0 ? TLS1_2_VERSION : options.tls_min_version;
  if (SSL_CTX_set_min_proto_version(context.get(), min_version) != 1) {
    return invalidArgument("TLS minimum version was refused by OpenSSL");
  }
  const CipherSuites& suites = options.cipher_suites;
  const std::string tls12 = suites.tls12.empty() ? std::string(kModernTls12Ciphers) : suites.tls12;
  if (SSL_CTX_set_cipher_list(context.get(), tls12.c_str()) != 1) {
    return invalidArgument("TLS 1.2 cipher suites were refused by OpenSSL");
  }
  if (!options.client_ca_file.empty()) {
    if (Status verifying = verifyClients(context.get(), options.client_ca_file); !verifying.ok()) {
      return verifying;
    }
  }
  if (!suites.tls13.empty() && SSL_CTX_set_ciphersuites(context.get(), suites.tls13.c_str()) != 1) {
    return invalidArgument("TLS 1.3 cipher suites were refused by OpenSSL");
  }
  return context;
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
  if (Result<openssl::SslContextPtr> context = newTlsContext(options_); context.ok()) {
    tls_context_ = std::move(*context);
    certificates_.attachTo(tls_context_.get());
  } else {
    tls_status_ = context.status();
  }
  metrics_server_ = std::make_unique<httplib::Server>();
  server_metrics_ = std::make_unique<const ServerMetrics>(registerServerMetrics(metrics_));
  mutate_route_ = withRequestLog(withMetrics(
      withExceptionBarrier(admissionEndpoint(handler_), server_metrics_->handler_exceptions),
      server_metrics_->admission));
  installMetricsRoutes();
}

WebhookServer::~WebhookServer() {
  if (server_ || metrics_thread_.joinable()) shutdown(std::chrono::milliseconds(0));
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
  if (!ready_) return okStatus();
  return ready_();
}

HttpResponse WebhookServer::route(const HttpRequest& request) {
  HttpResponse response;
  if (request.path == "/mutate" && !options_.client_ca_file.empty() &&
      !request.client_certificate) {
    response.status = 403;
    response.body = "a client certificate signed by --client-ca-file is required\n";
  } else if (request.path == "/mutate") {
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
  countHttpRequest(*server_metrics_, request.method, request.path, response.status);
  return response;
}

void WebhookServer::installMetricsRoutes() {
  metrics_server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_.render(), "text/plain; version=0.0.4");
  });
}

Status WebhookServer::start() {
  if (!tls_status_.ok()) return tls_status_;
  HttpsServerOptions https;
  https.bind_address = options_.bind_address;
  https.port = options_.port;
  https.threads = options_.worker_threads == 0 ? 1 : options_.worker_threads;
  https.max_request_bytes = options_.max_request_bytes;
  https.read_timeout = options_.read_timeout;
  https.write_timeout = options_.write_timeout;
  https.keep_alive_timeout = options_.keep_alive_timeout;
  https.first_request_grace = options_.first_request_grace;
  server_ = std::make_unique<HttpsServer>(
      https, tls_context_.get(), [this](const HttpRequest& request) { return route(request); });
  if (Status bound = server_->bind(); !bound.ok()) {
    server_.reset();
    return bound;
  }
  bound_port_ = server_->port();
  if (Status metrics = startMetrics(); !metrics.ok()) return metrics;
  server_->start();
  // httplib's stop() is a no-op until its accept loop runs: a shutdown racing start()
  // would hang.
  for (int i = 0; i < 500 && metrics_thread_.joinable() && !metrics_server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  spdlog::info("serving admission on {} (metrics on port {})",
               endpointText(options_.bind_address, bound_port_), bound_metrics_port_);
  return okStatus();
}

Status WebhookServer::startMetrics() {
  if (options_.metrics_port < 0) return okStatus();
  metrics_server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  metrics_server_->set_socket_options([](int fd) {
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Dual-stack like the admission port (server/listen_socket.h); fails harmlessly on IPv4.
    const int zero = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  });
  bound_metrics_port_ = bindMetrics(options_.bind_address);
  if (bound_metrics_port_ <= 0 && options_.bind_address == kDualStackAddress) {
    spdlog::info("no IPv6 on this host; metrics listen on {}", kIpv4AnyAddress);
    bound_metrics_port_ = bindMetrics(kIpv4AnyAddress);
  }
  if (bound_metrics_port_ <= 0) {
    return unavailable("cannot listen on " +
                       endpointText(options_.bind_address, options_.metrics_port) + " (metrics)");
  }
  metrics_thread_ = std::thread([this] { metrics_server_->listen_after_bind(); });
  return okStatus();
}

int WebhookServer::bindMetrics(const std::string& address) {
  if (options_.metrics_port == 0) return metrics_server_->bind_to_any_port(address);
  return metrics_server_->bind_to_port(address, options_.metrics_port) ? options_.metrics_port : -1;
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
