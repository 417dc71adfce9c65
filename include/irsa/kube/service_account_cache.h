#pragma once

#include <array>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "irsa/concurrency/bounded_executor.h"
#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/mutex.h"
#include "irsa/kube/api_client.h"
#include "irsa/kube/reflector.h"
#include "irsa/status/result.h"

namespace irsa::kube {

// What the cache keeps of a ServiceAccount: only the annotations under the prefix, so
// 100k ServiceAccounts stay small.
struct ServiceAccountRecord {
  std::string namespace_name;
  std::string name;
  std::string resource_version;
  std::vector<std::pair<std::string, std::string>> annotations;
};

struct ServiceAccountCacheOptions {
  std::string annotation_prefix = "eks.amazonaws.com";
  std::chrono::milliseconds resync_period{60000};
  std::chrono::milliseconds lookup_grace_period{100};
  // A lookup that arrives before the first full LIST finished waits this long for it
  // (a restarted single replica, or an API server slow at start) before it is answered
  // like any other miss.
  std::chrono::milliseconds sync_wait{2000};
  int page_size = 500;
  // Cache-miss GETs run on this many threads; at most `miss_queue` more wait for one. A miss
  // that finds the queue full is answered at once as not found within the grace period.
  int miss_workers = 4;
  std::size_t miss_queue = 64;
};

struct ServiceAccountCacheStats {
  std::atomic<std::uint64_t> misses{0};               // lookups not answered by the cache
  std::atomic<std::uint64_t> direct_gets{0};          // GETs issued for misses
  std::atomic<std::uint64_t> found_after_wait{0};     // misses resolved within the grace period
  std::atomic<std::uint64_t> refused_misses{0};       // misses answered at once: GET queue full
  std::atomic<std::uint64_t> lookups_before_sync{0};  // lookups that waited for the first sync
  std::atomic<std::uint64_t> lookups_unsynced{0};     // ...and were answered before it came
};

// An informer-style cache of every ServiceAccount in the cluster. Admission threads read
// it concurrently; the reflector thread writes to one of 16 shards at a time, so a reader
// waits at most for one map operation.
class ServiceAccountCache : private ReflectorSink {
 public:
  ServiceAccountCache(ApiClient& client, ServiceAccountCacheOptions options,
                      concurrency::Clock& clock = concurrency::systemClock());
  ~ServiceAccountCache() override;

  void start();
  // Ends the reflector and the miss GETs; a stopped cache is not started again.
  void stop();
  bool synced() const { return reflector_.synced(); }
  std::string lastError() const { return reflector_.lastError(); }

  // Cached record, or: wait up to the grace period for the watch to deliver it, while one
  // deduplicated direct GET asks the API server. Empty when it does not exist. Before the
  // first sync, first waits up to sync_wait for it.
  std::optional<ServiceAccountRecord> find(const std::string& namespace_name,
                                           const std::string& name) EXCLUDES(in_flight_mutex_);
  // Cache only, no waiting.
  std::optional<ServiceAccountRecord> peek(const std::string& namespace_name,
                                           const std::string& name) const;

  std::size_t size() const;
  const ReflectorStats& reflectorStats() const { return reflector_.stats(); }
  const ServiceAccountCacheStats& stats() const { return stats_; }
  std::string dumpJson() const;

 private:
  using Map = std::unordered_map<std::string, ServiceAccountRecord>;
  using RecordFuture = std::shared_future<std::optional<ServiceAccountRecord>>;
  struct Shard {
    mutable concurrency::SharedMutex mutex;
    Map records GUARDED_BY(mutex);
  };
  static constexpr std::size_t kShards = 16;

  void beginList() override;
  void listed(const nlohmann::json& object) override;
  void endList() override;
  void event(const std::string& type, const nlohmann::json& object) override;

  std::optional<ServiceAccountRecord> toRecord(const nlohmann::json& object) const;
  Shard& shardFor(const std::string& key);
  const Shard& shardFor(const std::string& key) const;
  void upsert(ServiceAccountRecord record);
  // The GET shared by every find() of one key, or the Status saying why none was queued.
  Result<RecordFuture> directGet(const std::string& namespace_name, const std::string& name)
      EXCLUDES(in_flight_mutex_);
  std::optional<ServiceAccountRecord> fetch(const std::string& namespace_name,
                                            const std::string& name);
  void awaitFirstSync(const std::string& namespace_name, const std::string& name);

  ApiClient& client_;
  const ServiceAccountCacheOptions options_;
  concurrency::Clock& clock_;
  std::array<Shard, kShards> shards_;
  std::array<Map, kShards> listing_;  // the LIST in progress (reflector thread only)
  ServiceAccountCacheStats stats_;

  concurrency::Wakeup arrivals_;  // notified when records arrive (watch, list, direct GET)
  concurrency::Mutex in_flight_mutex_;
  std::map<std::string, RecordFuture> in_flight_ GUARDED_BY(in_flight_mutex_);
  concurrency::BoundedExecutor misses_;  // after what its tasks use
  Reflector reflector_;
};

}  // namespace irsa::kube
