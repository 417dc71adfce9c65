#include "irsa/kube/service_account_cache.h"

#include <spdlog/spdlog.h>

#include "irsa/concurrency/exception_barrier.h"

namespace irsa::kube {
namespace {

std::string keyOf(const std::string& namespace_name, const std::string& name) {
  return namespace_name + "/" + name;
}

// What toRecord() reads: a ServiceAccount's managedFields, secrets and other annotations
// are never built.
ReflectorOptions reflectorOptions(const ServiceAccountCacheOptions& options) {
  using json::JsonFilter;
  ReflectorOptions reflector{"/api/v1/serviceaccounts", "", options.resync_period,
                             options.page_size};
  JsonFilter metadata;
  metadata.member("name").member("namespace").member("resourceVersion");
  metadata.member("annotations", JsonFilter().membersWithPrefix(options.annotation_prefix + "/"));
  reflector.object_fields = JsonFilter().member("metadata", std::move(metadata));
  return reflector;
}

}  // namespace

ServiceAccountCache::ServiceAccountCache(ApiClient& client, ServiceAccountCacheOptions options,
                                         concurrency::Clock& clock)
    : client_(client),
      options_(std::move(options)),
      clock_(clock),
      misses_("ServiceAccount GET", options_.miss_workers, options_.miss_queue),
      reflector_(client, reflectorOptions(options_), *this, clock) {}

ServiceAccountCache::~ServiceAccountCache() {
  stop();
}

void ServiceAccountCache::start() {
  reflector_.start();
}

void ServiceAccountCache::stop() {
  reflector_.stop();
  misses_.stop();
}

ServiceAccountCache::Shard& ServiceAccountCache::shardFor(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

const ServiceAccountCache::Shard& ServiceAccountCache::shardFor(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::optional<ServiceAccountRecord> ServiceAccountCache::toRecord(
    const nlohmann::json& object) const {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return std::nullopt;
  ServiceAccountRecord record;
  record.namespace_name = metadata->value("namespace", "");
  record.name = metadata->value("name", "");
  if (record.name.empty()) return std::nullopt;
  record.resource_version = metadata->value("resourceVersion", "");
  const auto annotations = metadata->find("annotations");
  if (annotations != metadata->end() && annotations->is_object()) {
    const std::string prefix = options_.annotation_prefix + "/";
    for (auto it = annotations->begin(); it != annotations->end(); ++it) {
      if (it.key().rfind(prefix, 0) == 0 && it.value().is_string()) {
        record.annotations.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
  }
  record.annotations.shrink_to_fit();
  return record;
}

void ServiceAccountCache::beginList() {
  for (Map& map : listing_) map.clear();
}

void ServiceAccountCache::listed(const nlohmann::json& object) {
  if (auto record = toRecord(object)) {
    std::string key = keyOf(record->namespace_name, record->name);
    listing_[std::hash<std::string>{}(key) % kShards][std::move(key)] = std::move(*record);
  }
}

void ServiceAccountCache::endList() {
  std::size_t total = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    {
      concurrency::WriterLock lock(shards_[i].mutex);
      shards_[i].records.swap(listing_[i]);
      total += shards_[i].records.size();
    }
    listing_[i].clear();  // the previous state, freed outside the lock
  }
  spdlog::info("ServiceAccount cache synced: {} ServiceAccounts", total);
  arrivals_.notify();
}

void ServiceAccountCache::upsert(ServiceAccountRecord record) {
  std::string key = keyOf(record.namespace_name, record.name);
  Shard& shard = shardFor(key);
  concurrency::WriterLock lock(shard.mutex);
  shard.records[std::move(key)] = std::move(record);
}

void ServiceAccountCache::event(const std::string& type, const nlohmann::json& object) {
  auto record = toRecord(object);
  if (!record) return;
  if (type == "DELETED") {
    const std::string key = keyOf(record->namespace_name, record->name);
    Shard& shard = shardFor(key);
    concurrency::WriterLock lock(shard.mutex);
    shard.records.erase(key);
    return;
  }
  upsert(std::move(*record));
  arrivals_.notify();
}

std::optional<ServiceAccountRecord> ServiceAccountCache::peek(const std::string& namespace_name,
                                                              const std::string& name) const {
  const std::string key = keyOf(namespace_name, name);
  const Shard& shard = shardFor(key);
  concurrency::ReaderLock lock(shard.mutex);
  const auto it = shard.records.find(key);
  if (it == shard.records.end()) return std::nullopt;
  return it->second;
}

std::optional<ServiceAccountRecord> ServiceAccountCache::fetch(const std::string& namespace_name,
                                                               const std::string& name) {
  // Misses share the client's rate limit; when it is exhausted the watch must do.
  stats_.direct_gets.fetch_add(1, std::memory_order_relaxed);
  const ApiResponse response =
      client_.get("/api/v1/namespaces/" + namespace_name + "/serviceaccounts/" + name);
  if (!response.ok()) return std::nullopt;
  const auto object = nlohmann::json::parse(response.body, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return std::nullopt;
  // Answers the waiting lookups only and is not stored: a DELETED event that overtook this
  // GET would otherwise leave an entry that no later event removes, and resyncs do not
  // re-list (docs/behaviour.md, "ServiceAccount cache").
  return toRecord(object);
}

Result<ServiceAccountCache::RecordFuture> ServiceAccountCache::directGet(
    const std::string& namespace_name, const std::string& name) {
  const std::string key = keyOf(namespace_name, name);
  concurrency::MutexLock lock(in_flight_mutex_);
  if (auto it = in_flight_.find(key); it != in_flight_.end()) return it->second;
  auto promise = std::make_shared<std::promise<std::optional<ServiceAccountRecord>>>();
  RecordFuture future = promise->get_future().share();
  const Status queued = misses_.submit([this, namespace_name, name, key, promise] {
    std::optional<ServiceAccountRecord> result;
    // Guarded here, not only by the executor: the promise and in_flight_ must be settled
    // even when the GET throws, or every later miss of this key would wait on it.
    concurrency::runGuarded("ServiceAccount GET " + key, [&] {
      result = fetch(namespace_name, name);
    }).ignore();  // logged and counted by the barrier; the miss stays a miss
    promise->set_value(result);
    {
      concurrency::MutexLock inner(in_flight_mutex_);
      in_flight_.erase(key);
    }
    if (result) arrivals_.notify();
  });
  if (!queued.ok()) return queued;
  in_flight_[key] = future;
  return future;
}

void ServiceAccountCache::awaitFirstSync(const std::string& namespace_name,
                                         const std::string& name) {
  stats_.lookups_before_sync.fetch_add(1, std::memory_order_relaxed);
  const auto deadline = clock_.now() + options_.sync_wait;
  while (!synced()) {
    const std::uint64_t seen = arrivals_.generation();
    if (synced()) return;
    if (clock_.now() >= deadline) {
      stats_.lookups_unsynced.fetch_add(1, std::memory_order_relaxed);
      const std::string error = lastError();
      spdlog::warn("ServiceAccount {}/{} looked up before the cache synced{}", namespace_name, name,
                   error.empty() ? std::string() : " (" + error + ")");
      return;
    }
    clock_.waitUntil({}, deadline, arrivals_, seen);
  }
}

std::optional<ServiceAccountRecord> ServiceAccountCache::find(const std::string& namespace_name,
                                                              const std::string& name) {
  if (auto record = peek(namespace_name, name)) return record;
  if (!synced() && options_.sync_wait.count() > 0) {
    awaitFirstSync(namespace_name, name);
    if (auto record = peek(namespace_name, name)) return record;
  }
  stats_.misses.fetch_add(1, std::memory_order_relaxed);
  if (options_.lookup_grace_period.count() <= 0) return std::nullopt;
  const auto deadline = clock_.now() + options_.lookup_grace_period;
  const Result<RecordFuture> get = directGet(namespace_name, name);
  if (!get.ok()) {
    stats_.refused_misses.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("ServiceAccount {}/{} answered as not found without a lookup: {}", namespace_name,
                 name, get.status().message());
    return std::nullopt;
  }
  while (true) {
    // Read before checking, so an arrival between the check and the wait is not lost.
    const std::uint64_t seen = arrivals_.generation();
    if (auto record = peek(namespace_name, name)) {
      stats_.found_after_wait.fetch_add(1, std::memory_order_relaxed);
      return record;
    }
    if (get->wait_for(std::chrono::seconds(0)) == std::future_status::ready && get->get()) {
      stats_.found_after_wait.fetch_add(1, std::memory_order_relaxed);
      return get->get();
    }
    if (clock_.now() >= deadline) return std::nullopt;
    // Woken by a watch event, a list, or a direct GET that found it.
    clock_.waitUntil({}, deadline, arrivals_, seen);
  }
}

std::size_t ServiceAccountCache::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    concurrency::ReaderLock lock(shard.mutex);
    total += shard.records.size();
  }
  return total;
}

std::string ServiceAccountCache::dumpJson() const {
  nlohmann::json out = nlohmann::json::object();
  out["synced"] = synced();
  out["lastError"] = lastError();
  nlohmann::json accounts = nlohmann::json::array();
  for (const Shard& shard : shards_) {
    concurrency::ReaderLock lock(shard.mutex);
    for (const auto& [key, record] : shard.records) {
      nlohmann::json annotations = nlohmann::json::object();
      for (const auto& [k, v] : record.annotations) annotations[k] = v;
      accounts.push_back({{"namespace", record.namespace_name},
                          {"name", record.name},
                          {"resourceVersion", record.resource_version},
                          {"annotations", annotations}});
    }
  }
  out["size"] = accounts.size();
  out["serviceAccounts"] = std::move(accounts);
  return out.dump();
}

}  // namespace irsa::kube
