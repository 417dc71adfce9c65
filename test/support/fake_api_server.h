#pragma once

// An in-process Kubernetes API server for fault injection: HTTPS with bearer-token auth,
// ServiceAccounts and ConfigMaps with LIST (paginated), WATCH (streamed, with bookmarks)
// and GET, following the real API's semantics (resourceVersion, 410 Gone, Status bodies).
// The real kube-apiserver suite (test/e2e) checks that nothing depends on this fake.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "support/tls_test_files.h"

namespace httplib {
class SSLServer;
}

namespace irsa::test {

class FakeApiServer {
 public:
  FakeApiServer();
  ~FakeApiServer();

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const TestCertificates& certificates() const { return certificates_; }
  // Writes a kubeconfig (token auth) pointing at this server; returns its path.
  std::string writeKubeconfig(const TempDir& dir, const std::string& token_file = {}) const;

  // Objects. kind is "serviceaccounts" or "configmaps".
  void put(const std::string& kind, const std::string& ns, const std::string& name,
           nlohmann::json annotations_or_data = nlohmann::json::object());
  void remove(const std::string& kind, const std::string& ns, const std::string& name);
  // Adds n ServiceAccounts without events (before the client starts), fast.
  void bulkAddServiceAccounts(int count, int annotated_every = 10);

  // Faults.
  void setToken(const std::string& token);       // requests with another token get 401
  void failNextRequests(int count, int status);  // next N requests answer `status`
  void closeWatches();                           // ends every open watch cleanly
  void sendHalfEventAndClose();                  // writes half an event, then ends watches
  void expireHistory();                          // watches from older versions get 410 Gone
  void setResponseDelay(std::chrono::milliseconds delay);
  // Real API servers send bookmarks about once a minute; with false, an idle watch sends
  // nothing at all, so a client must not rely on traffic to notice it should stop.
  void setBookmarks(bool enabled);
  // While held, open watches deliver nothing (the events wait): a lagging watch.
  void holdWatchEvents(bool held);

  int listRequests() const { return list_requests_; }
  int watchRequests() const { return watch_requests_; }
  int getRequests() const { return get_requests_; }
  int unauthorized() const { return unauthorized_; }
  int openWatches() const { return open_watches_; }

 private:
  struct Event {
    std::uint64_t rv;
    std::string type;
    std::string kind;
    std::string ns;
    nlohmann::json object;
    // The watch line, serialized once (kube-apiserver also caches serializations): every
    // open watch sends the same bytes, and the benchmarks share their CPU with this server.
    std::string line;
  };
  void recordEvent(std::string type, const std::string& kind, const std::string& ns,
                   nlohmann::json object);
  nlohmann::json makeObject(const std::string& kind, const std::string& ns, const std::string& name,
                            const nlohmann::json& payload, std::uint64_t rv) const;
  void installRoutes();

  TestCertificates certificates_;
  TempDir dir_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t rv_ = 100;
  std::uint64_t oldest_watchable_rv_ = 0;
  std::map<std::string, nlohmann::json> objects_;  // "kind/ns/name" -> object
  std::deque<Event> events_;
  std::string token_ = "test-token";
  int fail_count_ = 0;
  int fail_status_ = 500;
  std::uint64_t close_generation_ = 0;
  bool half_event_ = false;
  bool bookmarks_ = true;
  bool hold_events_ = false;
  bool stopping_ = false;
  std::chrono::milliseconds delay_{0};
  std::atomic<int> list_requests_{0};
  std::atomic<int> watch_requests_{0};
  std::atomic<int> get_requests_{0};
  std::atomic<int> unauthorized_{0};
  std::atomic<int> open_watches_{0};
};

}  // namespace irsa::test
