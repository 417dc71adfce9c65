#include "irsa/kube/api_client.h"

#include <httplib.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "irsa/openssl/handles.h"
#include "irsa/openssl/pem.h"
#include "kube/exec_credential.h"
#include "kube/transport_error.h"

namespace irsa::kube {
namespace {

// Bound tokens are rotated by kubelet well before they expire; re-reading the file once a
// minute (and on any 401) follows the rotation without a stat per request.
constexpr std::chrono::seconds kTokenFileRefresh{60};

// Every certificate in `pem` (a CA bundle); reading stops at the first block that does not
// parse, and the end-of-input error that stop leaves behind is cleared.
openssl::X509StorePtr storeFromPem(const std::string& pem) {
  openssl::X509StorePtr store(X509_STORE_new());
  const openssl::BioPtr bio = openssl::readOnlyBio(pem);
  if (store && bio) {
    while (const openssl::X509Ptr certificate{
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
      // X509_STORE_add_cert takes its own reference.
      X509_STORE_add_cert(store.get(), certificate.get());
    }
  }
  ERR_clear_error();
  return store;
}

}  // namespace

ApiClient::ApiClient(ClientConfig config, double qps, int burst, std::chrono::seconds timeout)
    : config_(std::move(config)), timeout_(timeout), limiter_(qps, burst) {
  std::string rest = config_.server;
  const std::size_t scheme_end = rest.find("://");
  scheme_ = scheme_end == std::string::npos ? "https" : rest.substr(0, scheme_end);
  if (scheme_end != std::string::npos) rest = rest.substr(scheme_end + 3);
  if (const std::size_t slash = rest.find('/'); slash != std::string::npos)
    rest = rest.substr(0, slash);
  port_ = scheme_ == "http" ? 80 : 443;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const std::size_t close = rest.find(']');
    host_ = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':')
      port_ = static_cast<int>(std::strtol(rest.c_str() + close + 2, nullptr, 10));
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host_ = rest.substr(0, colon);
    port_ = static_cast<int>(std::strtol(rest.c_str() + colon + 1, nullptr, 10));
  } else {
    host_ = rest;
  }
}

ApiClient::~ApiClient() {
  cancelStreams();
}

std::string ApiClient::bearerToken(bool force_refresh) {
  concurrency::MutexLock lock(token_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (config_.exec) {
    const bool expired =
        exec_expiry_ != std::chrono::system_clock::time_point{} &&
        std::chrono::system_clock::now() + std::chrono::seconds(30) >= exec_expiry_;
    if (force_refresh || expired || (token_.empty() && exec_client_certificate_pem_.empty())) {
      const Result<ExecCredential> credential =
          runExecPlugin(*config_.exec, std::chrono::seconds(30));
      if (!credential.ok()) {
        spdlog::error("kubeconfig credential plugin: {}", credential.status().message());
      } else {
        token_ = credential->token;
        exec_client_certificate_pem_ = credential->client_certificate_pem;
        exec_client_key_pem_ = credential->client_key_pem;
        exec_expiry_ = credential->expiry.value_or(std::chrono::system_clock::time_point{});
      }
    }
    return token_;
  }
  if (!config_.token_file.empty()) {
    if (force_refresh || token_.empty() || now - token_read_at_ > kTokenFileRefresh) {
      std::ifstream in(config_.token_file);
      std::ostringstream content;
      content << in.rdbuf();
      std::string token = content.str();
      while (!token.empty() &&
             (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
        token.pop_back();
      }
      if (!token.empty()) token_ = token;
      token_read_at_ = now;
    }
    return token_;
  }
  return config_.token;
}

std::unique_ptr<httplib::ClientImpl> ApiClient::connect(std::chrono::seconds read_timeout) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (scheme_ == "http") {
    client = std::make_unique<httplib::ClientImpl>(host_, port_);
  } else {
    std::string certificate_pem = config_.client_certificate_pem;
    std::string key_pem = config_.client_key_pem;
    {
      concurrency::MutexLock lock(token_mutex_);
      if (!exec_client_certificate_pem_.empty()) {
        certificate_pem = exec_client_certificate_pem_;
        key_pem = exec_client_key_pem_;
      }
    }
    std::unique_ptr<httplib::SSLClient> ssl;
    if (!certificate_pem.empty()) {
      // The SSLClient takes its own references to the certificate and key, so the handles
      // keep ownership here; its CA store, below, is handed over.
      const openssl::X509Ptr certificate = openssl::parseCertificatePem(certificate_pem);
      const openssl::PkeyPtr key = openssl::parsePrivateKeyPem(key_pem);
      ssl = std::make_unique<httplib::SSLClient>(host_, port_, certificate.get(), key.get());
    } else {
      ssl = std::make_unique<httplib::SSLClient>(host_, port_);
    }
    if (config_.insecure_skip_tls_verify) {
      ssl->enable_server_certificate_verification(false);
    } else {
      ssl->enable_server_certificate_verification(true);
      if (!config_.ca_pem.empty()) {
        // httplib frees the store with its SSL_CTX.
        ssl->set_ca_cert_store(storeFromPem(config_.ca_pem).release());
      } else {
        ssl->set_ca_cert_path("/etc/ssl/certs/ca-certificates.crt");
      }
    }
    client = std::move(ssl);
  }
  client->set_keep_alive(true);
  client->set_connection_timeout(std::min<time_t>(timeout_.count(), 5), 0);
  client->set_read_timeout(read_timeout.count(), 0);
  client->set_write_timeout(timeout_.count(), 0);
  client->set_tcp_nodelay(true);
  return client;
}

std::unique_ptr<httplib::ClientImpl> ApiClient::takeConnection() {
  {
    concurrency::MutexLock lock(pool_mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return connect(timeout_);
}

void ApiClient::returnConnection(std::unique_ptr<httplib::ClientImpl> connection) {
  concurrency::MutexLock lock(pool_mutex_);
  if (idle_.size() < 8) idle_.push_back(std::move(connection));
}

ApiResponse ApiClient::send(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& content_type,
                            RateLimit rate_limit) {
  ApiResponse response;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (rate_limit == RateLimit::kApply || attempt > 0) limiter_.acquire();
    const auto started = std::chrono::steady_clock::now();
    auto connection = takeConnection();
    httplib::Headers headers = {{"Accept", "application/json"}, {"User-Agent", "irsa-webhook"}};
    const std::string token = bearerToken(attempt > 0);
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result result{nullptr, httplib::Error::Unknown};
    if (method == "GET") {
      result = connection->Get(path, headers);
    } else if (method == "POST") {
      result = connection->Post(path, headers, body, content_type);
    } else if (method == "PUT") {
      result = connection->Put(path, headers, body, content_type);
    } else if (method == "PATCH") {
      result = connection->Patch(path, headers, body, content_type);
    } else if (method == "DELETE") {
      result = connection->Delete(path, headers, body, content_type);
    } else {
      return {0, {}, "unsupported method " + method};
    }
    stats_.requests.fetch_add(1, std::memory_order_relaxed);
    stats_.latency_micros_total.fetch_add(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::steady_clock::now() - started)
                                       .count()),
        std::memory_order_relaxed);
    if (!result) {
      stats_.errors.fetch_add(1, std::memory_order_relaxed);
      response = {
          0, {}, config_.server + ": " + describeTransportError(result.error(), host_, port_)};
      // After an API server restart every pooled keep-alive connection is dead: drop them
      // all so the retry opens a fresh one.
      concurrency::MutexLock lock(pool_mutex_);
      idle_.clear();
      continue;
    }
    response = {result->status, std::move(result->body), {}};
    if (response.status >= 500) stats_.errors.fetch_add(1, std::memory_order_relaxed);
    returnConnection(std::move(connection));
    // 401: the token may have rotated under us; re-read it once and retry.
    if (response.status == 401 && attempt == 0 && (!config_.token_file.empty() || config_.exec))
      continue;
    break;
  }
  return response;
}

ApiResponse ApiClient::get(const std::string& path, RateLimit rate_limit) {
  return send("GET", path, {}, {}, rate_limit);
}

ApiResponse ApiClient::request(const std::string& method, const std::string& path,
                               const std::string& body, const std::string& content_type) {
  return send(method, path, body, content_type, RateLimit::kApply);
}

ApiResponse ApiClient::stream(const std::string& path,
                              const std::function<bool(std::string_view)>& on_data,
                              std::chrono::seconds read_timeout, const std::stop_token& cancel) {
  limiter_.acquire();
  auto connection = connect(read_timeout);
  {
    // cancelStreams() stops only registered streams; one that registers after it ran sees
    // the stop request here instead (the caller requests it before calling cancelStreams()).
    concurrency::MutexLock lock(pool_mutex_);
    if (cancel.stop_requested()) return {0, {}, "cancelled"};
    streaming_.push_back(connection.get());
  }
  httplib::Headers headers = {{"Accept", "application/json"}, {"User-Agent", "irsa-webhook"}};
  const std::string token = bearerToken(false);
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  int status = 0;
  std::string error_body;
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  auto result = connection->Get(
      path, headers,
      [&status, &cancel](const httplib::Response& response) {
        status = response.status;
        // A stop that came while this request was still connecting could not shut its
        // socket down; stop here rather than wait for the first event.
        return !cancel.stop_requested();
      },
      [&](const char* data, std::size_t length) {
        if (cancel.stop_requested()) return false;
        if (status < 200 || status >= 300) {
          if (error_body.size() < 65536) error_body.append(data, length);
          return true;
        }
        return on_data(std::string_view(data, length));
      });
  {
    concurrency::MutexLock lock(pool_mutex_);
    std::erase(streaming_, connection.get());
  }
  if (status == 401) bearerToken(true);
  if (status != 0) return {status, std::move(error_body), {}};
  if (!result && !cancel.stop_requested()) stats_.errors.fetch_add(1, std::memory_order_relaxed);
  if (result || cancel.stop_requested()) return {0, {}, result ? std::string() : "cancelled"};
  return {0, {}, config_.server + ": " + describeTransportError(result.error(), host_, port_)};
}

void ApiClient::cancelStreams() {
  concurrency::MutexLock lock(pool_mutex_);
  for (httplib::ClientImpl* connection : streaming_) connection->stop();
}

}  // namespace irsa::kube
