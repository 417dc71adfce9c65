#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "irsa/concurrency/mutex.h"
#include "irsa/kube/client_config.h"
#include "irsa/kube/rate_limiter.h"

namespace httplib {
class ClientImpl;
}

namespace irsa::kube {

// One API call's outcome. status 0 means the request never got an HTTP answer (connection
// refused, TLS failure, timeout); `error` then says why.
struct ApiResponse {
  int status = 0;
  std::string body;
  std::string error;
  bool ok() const { return status >= 200 && status < 300; }
};

// Counters the metrics endpoint publishes.
struct ApiClientStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> errors{0};  // transport errors and 5xx
  std::atomic<std::uint64_t> latency_micros_total{0};
};

// A small Kubernetes REST client: bearer tokens (static, file re-read on rotation and on
// 401, or exec plugin), client certificates, CA verification, keep-alive connection reuse,
// and a client-side rate limit. Thread-safe.
class ApiClient {
 public:
  // The client-side limit bounds request storms (a burst of cache misses). The later pages
  // of one paginated LIST are one logical request, fetched one at a time: they skip it,
  // leaving the server's own flow control (429 + Retry-After) in charge. Spacing 200
  // pages of a 100k-object list at 50/s would add 3 s to every start.
  enum class RateLimit { kApply, kSkip };

  ApiClient(ClientConfig config, double qps, int burst,
            std::chrono::seconds timeout = std::chrono::seconds(10));
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  ApiResponse get(const std::string& path, RateLimit rate_limit = RateLimit::kApply);
  ApiResponse request(const std::string& method, const std::string& path,
                      const std::string& body = {},
                      const std::string& content_type = "application/json");

  // Streams a long response (a watch) to `on_data` as it arrives; `on_data` returns false
  // to stop. A stop requested on `cancel` ends the stream promptly (with cancelStreams()
  // for a stream already waiting for data).
  ApiResponse stream(const std::string& path, const std::function<bool(std::string_view)>& on_data,
                     std::chrono::seconds read_timeout, const std::stop_token& cancel);

  // Interrupts every stream in progress (used on shutdown).
  void cancelStreams();

  const ClientConfig& config() const { return config_; }
  const ApiClientStats& stats() const { return stats_; }

 private:
  std::unique_ptr<httplib::ClientImpl> connect(std::chrono::seconds read_timeout);
  std::unique_ptr<httplib::ClientImpl> takeConnection() EXCLUDES(pool_mutex_);
  void returnConnection(std::unique_ptr<httplib::ClientImpl> connection) EXCLUDES(pool_mutex_);
  std::string bearerToken(bool force_refresh) EXCLUDES(token_mutex_);
  ApiResponse send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& content_type, RateLimit rate_limit);

  const ClientConfig config_;
  std::string scheme_;
  std::string host_;
  int port_ = 443;
  const std::chrono::seconds timeout_;
  RateLimiter limiter_;
  ApiClientStats stats_;

  concurrency::Mutex pool_mutex_;
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle_ GUARDED_BY(pool_mutex_);
  std::vector<httplib::ClientImpl*> streaming_ GUARDED_BY(pool_mutex_);

  // The credential in use: a token read from a file or an exec plugin, with what the
  // plugin also returned.
  concurrency::Mutex token_mutex_;
  std::string token_ GUARDED_BY(token_mutex_);
  std::chrono::steady_clock::time_point token_read_at_ GUARDED_BY(token_mutex_){};
  std::chrono::system_clock::time_point exec_expiry_ GUARDED_BY(token_mutex_){};
  std::string exec_client_certificate_pem_ GUARDED_BY(token_mutex_);
  std::string exec_client_key_pem_ GUARDED_BY(token_mutex_);
};

}  // namespace irsa::kube
