#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "irsa/json/filtered_json.h"
#include "irsa/kube/api_client.h"

namespace irsa::kube {

// Receives what a Reflector sees. Calls come from the reflector's thread only.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A full LIST starts; items follow one by one, then endList(). The sink replaces its
  // state with exactly the listed items at endList().
  virtual void beginList() = 0;
  virtual void listed(const nlohmann::json& object) = 0;
  virtual void endList() = 0;
  // One watch event: ADDED, MODIFIED or DELETED.
  virtual void event(const std::string& type, const nlohmann::json& object) = 0;
};

struct ReflectorOptions {
  std::string collection_path;  // e.g. /api/v1/serviceaccounts
  std::string field_selector;   // optional, e.g. metadata.name=pod-identity-webhook
  std::chrono::milliseconds resync_period{60000};  // full re-list this often (0: never)
  int page_size = 500;
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{30000};
  // What the sink reads from each object. LIST pages and watch events are parsed through
  // it, so fields nobody reads (managedFields, unrelated annotations) are validated but
  // never built. Must keep metadata.resourceVersion: watches resume from it.
  json::JsonFilter object_fields = json::JsonFilter::all();
};

struct ReflectorStats {
  std::atomic<std::uint64_t> lists{0};
  std::atomic<std::uint64_t> watch_restarts{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> failures{0};
};

// LIST + WATCH of one collection, as client-go's reflector does: a paginated LIST, then a
// WATCH from the list's resourceVersion with bookmarks, parsed as the stream arrives. A
// broken or ended watch resumes from the last resourceVersion after a jittered
// exponential backoff; 410 Gone (resourceVersion too old) and the resync period trigger a
// fresh LIST.
class Reflector {
 public:
  Reflector(ApiClient& client, ReflectorOptions options, ReflectorSink& sink);
  ~Reflector();
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  void start();
  void stop();
  bool synced() const { return synced_.load(); }
  std::string lastError() const;
  const ReflectorStats& stats() const { return stats_; }

 private:
  enum class WatchEnd { kResume, kRelist, kStopped };
  void run();
  bool list();
  WatchEnd watch();
  void sleepFor(std::chrono::milliseconds duration);
  void setError(std::string error);

  ApiClient& client_;
  const ReflectorOptions options_;
  const json::JsonFilter page_fields_;   // a LIST page: items + list metadata
  const json::JsonFilter event_fields_;  // a watch event: type + object (or a Status)
  ReflectorSink& sink_;
  ReflectorStats stats_;
  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  std::string resource_version_;
  std::chrono::steady_clock::time_point listed_at_{};
  mutable std::mutex mutex_;
  std::condition_variable wakeup_;
  std::string last_error_;
  std::thread thread_;
};

}  // namespace irsa::kube
