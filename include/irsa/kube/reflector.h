#pragma once

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/mutex.h"
#include "irsa/concurrency/stoppable_thread.h"
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
  // The resync period passed. As in client-go, a resync re-delivers what the sink already
  // holds and asks the API server for nothing; a sink that derives state from its objects
  // can recompute it here.
  virtual void resync() {}
};

struct ReflectorOptions {
  std::string collection_path;  // e.g. /api/v1/serviceaccounts
  std::string field_selector;   // optional, e.g. metadata.name=pod-identity-webhook
  std::chrono::milliseconds resync_period{60000};  // sink_.resync() this often (0: never)
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
  std::atomic<std::uint64_t> resyncs{0};
};

// LIST + WATCH of one collection, as client-go's reflector does: a paginated LIST, then a
// WATCH from the list's resourceVersion with bookmarks, parsed as the stream arrives. A
// broken or ended watch resumes from the last resourceVersion after a jittered
// exponential backoff; only a watch that cannot be resumed (410 Gone: resourceVersion too
// old, or a malformed stream) triggers a fresh LIST. The resync period calls the sink's
// resync() and costs the API server nothing (docs/behaviour.md, "ServiceAccount cache"). An
// exception in one turn of the loop (a sink that throws) is caught by the exception barrier, logged
// and counted, and treated like a failed LIST: back off, list again.
class Reflector {
 public:
  Reflector(ApiClient& client, ReflectorOptions options, ReflectorSink& sink,
            concurrency::Clock& clock = concurrency::systemClock());
  ~Reflector();
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  void start();
  void stop();
  bool synced() const { return synced_.load(); }
  std::string lastError() const EXCLUDES(mutex_);
  const ReflectorStats& stats() const { return stats_; }

 private:
  enum class WatchEnd { kResume, kRelist, kStopped };
  struct Loop {
    std::chrono::milliseconds backoff;
    bool need_list = true;
  };
  void run(const std::stop_token& stop);
  bool turn(Loop& loop, const std::stop_token& stop);
  void backOff(Loop& loop, const std::stop_token& stop);
  bool list(const std::stop_token& stop);
  WatchEnd watch(const std::stop_token& stop);
  WatchEnd watchEnd(const ApiResponse& response, bool malformed, WatchEnd from_events);
  void resyncIfDue();
  void setError(std::string error) EXCLUDES(mutex_);

  ApiClient& client_;
  concurrency::Clock& clock_;
  const ReflectorOptions options_;
  const json::JsonFilter page_fields_;   // a LIST page: items + list metadata
  const json::JsonFilter event_fields_;  // a watch event: type + object (or a Status)
  ReflectorSink& sink_;
  ReflectorStats stats_;
  std::atomic<bool> synced_{false};
  // Read and written by the reflector thread only.
  std::string resource_version_;
  concurrency::TimePoint resynced_at_{};
  mutable concurrency::Mutex mutex_;
  std::string last_error_ GUARDED_BY(mutex_);
  concurrency::StoppableThread thread_;  // last: stops before what it uses goes away
};

}  // namespace irsa::kube
