#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "irsa/kube/api_client.h"
#include "irsa/kube/reflector.h"

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
  int page_size = 500;
};

struct ServiceAccountCacheStats {
  std::atomic<std::uint64_t> misses{0};            // lookups not answered by the cache
  std::atomic<std::uint64_t> direct_gets{0};       // GETs issued for misses
  std::atomic<std::uint64_t> found_after_wait{0};  // misses resolved within the grace period
};

// An informer-style cache of every ServiceAccount in the cluster. Admission threads read
// it concurrently; the reflector thread writes to one of 16 shards at a time, so a reader
// waits at most for one map operation.
class ServiceAccountCache : private ReflectorSink {
 public:
  ServiceAccountCache(ApiClient& client, ServiceAccountCacheOptions options);
  ~ServiceAccountCache() override;

  void start();
  void stop();
  bool synced() const { return reflector_.synced(); }
  std::string lastError() const { return reflector_.lastError(); }

  // Cached record, or: wait up to the grace period for the watch to deliver it, while one
  // deduplicated direct GET asks the API server. Empty when it does not exist.
  std::optional<ServiceAccountRecord> find(const std::string& namespace_name,
                                           const std::string& name);
  // Cache only, no waiting.
  std::optional<ServiceAccountRecord> peek(const std::string& namespace_name,
                                           const std::string& name) const;

  std::size_t size() const;
  const ReflectorStats& reflectorStats() const { return reflector_.stats(); }
  const ServiceAccountCacheStats& stats() const { return stats_; }
  std::string dumpJson() const;

 private:
  using Map = std::unordered_map<std::string, ServiceAccountRecord>;
  struct Shard {
    mutable std::shared_mutex mutex;
    Map records;
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
  void notifyWaiters();
  std::shared_future<std::optional<ServiceAccountRecord>> directGet(
      const std::string& namespace_name, const std::string& name);

  ApiClient& client_;
  const ServiceAccountCacheOptions options_;
  std::array<Shard, kShards> shards_;
  std::array<Map, kShards> listing_;  // the LIST in progress, swapped in at endList()
  ServiceAccountCacheStats stats_;

  std::mutex waiters_mutex_;
  std::condition_variable arrived_;
  std::uint64_t generation_ = 0;
  std::map<std::string, std::shared_future<std::optional<ServiceAccountRecord>>> in_flight_;
  std::vector<std::future<void>> background_;
  Reflector reflector_;
};

}  // namespace irsa::kube
