// The ServiceAccount cache against the in-process fake API server, with faults injected.

#include "irsa/kube/service_account_cache.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <iostream>
#include <thread>

#include "irsa/concurrency/manual_clock.h"
#include "irsa/kube/config_map_watch.h"
#include "support/fake_api_server.h"

namespace irsa::kube {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

std::string roleOf(const std::optional<ServiceAccountRecord>& record) {
  if (!record) return "<missing>";
  for (const auto& [key, value] : record->annotations) {
    if (key == "eks.amazonaws.com/role-arn") return value;
  }
  return "<none>";
}

class CacheTest : public ::testing::Test {
 protected:
  ClientConfig clientConfig() {
    Result<ClientConfig> result = loadKubeconfig(api_.writeKubeconfig(dir_, token_file_));
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? std::move(result).value() : ClientConfig{};
  }

  void startCache(ServiceAccountCacheOptions options = {},
                  std::chrono::milliseconds sync_timeout = 5s,
                  concurrency::Clock& clock = concurrency::systemClock()) {
    options.resync_period = options.resync_period == 60000ms ? 0ms : options.resync_period;
    client_ = std::make_unique<ApiClient>(clientConfig(), 1000, 1000);
    cache_ = std::make_unique<ServiceAccountCache>(*client_, options, clock);
    cache_->start();
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(eventually([&] { return cache_->synced(); }, sync_timeout)) << cache_->lastError();
    sync_time_ = std::chrono::steady_clock::now() - started;
    // Faults below act on open watches; make sure the first one is established.
    ASSERT_TRUE(eventually([&] { return api_.openWatches() >= 1; }));
  }

  test::TempDir dir_;
  std::string token_file_;
  test::FakeApiServer api_;
  std::unique_ptr<ApiClient> client_;
  std::unique_ptr<ServiceAccountCache> cache_;
  std::chrono::steady_clock::duration sync_time_{};
};

TEST_F(CacheTest, ListsThenFollowsWatchEvents) {
  api_.put(
      "serviceaccounts", "team", "app",
      {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/a"}, {"unrelated.io/x", "dropped"}});
  startCache();
  EXPECT_EQ(roleOf(cache_->peek("team", "app")), "arn:aws:iam::1:role/a");
  EXPECT_EQ(cache_->peek("team", "app")->annotations.size(), 1u)
      << "only prefixed annotations are kept";

  api_.put("serviceaccounts", "team", "new",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/n"}});
  EXPECT_TRUE(eventually([&] { return cache_->peek("team", "new").has_value(); }));
  api_.put("serviceaccounts", "team", "app",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/b"}});
  EXPECT_TRUE(
      eventually([&] { return roleOf(cache_->peek("team", "app")) == "arn:aws:iam::1:role/b"; }));
  api_.remove("serviceaccounts", "team", "app");
  EXPECT_TRUE(eventually([&] { return !cache_->peek("team", "app").has_value(); }));
  EXPECT_EQ(api_.listRequests(), 1);
}

TEST_F(CacheTest, PaginatesLargeLists) {
  api_.bulkAddServiceAccounts(1234);
  ServiceAccountCacheOptions options;
  options.page_size = 500;
  startCache(options);
  EXPECT_EQ(cache_->size(), 1234u);
  EXPECT_EQ(api_.listRequests(), 3);
  EXPECT_EQ(roleOf(cache_->peek("ns-0", "sa-0")), "arn:aws:iam::111122223333:role/sa-0");
}

TEST_F(CacheTest, LaterPagesOfOneListDoNotWaitForTheRateLimit) {
  api_.bulkAddServiceAccounts(2000);
  ServiceAccountCacheOptions options;
  options.page_size = 100;  // 20 pages
  options.resync_period = 0ms;
  // One token, then one every 2 s: were each page limited, the list would take 38 s.
  client_ = std::make_unique<ApiClient>(clientConfig(), 0.5, 1);
  cache_ = std::make_unique<ServiceAccountCache>(*client_, options);
  cache_->start();
  ASSERT_TRUE(eventually([&] { return cache_->synced(); }, 15s)) << cache_->lastError();
  EXPECT_EQ(cache_->size(), 2000u);
  EXPECT_EQ(api_.listRequests(), 20);
}

TEST_F(CacheTest, UnneededFieldsOfListedObjectsAreDropped) {
  // Parsed through the cache's filter: a malformed-looking but valid object with extra
  // fields of every type still yields the record.
  api_.put("serviceaccounts", "team", "app",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/a"},
            {"eks.amazonaws.com/audience", "aud"},
            {"kubectl.kubernetes.io/last-applied-configuration", std::string(50000, 'x')}});
  startCache();
  const auto record = cache_->peek("team", "app");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->annotations.size(), 2u);
  EXPECT_FALSE(record->resource_version.empty()) << "resourceVersion survives the filter";
}

TEST_F(CacheTest, WatchClosedMidStreamResumesWithoutRelisting) {
  startCache();
  api_.closeWatches();
  api_.put("serviceaccounts", "team", "after-close", {});
  EXPECT_TRUE(eventually([&] { return cache_->peek("team", "after-close").has_value(); }));
  EXPECT_EQ(api_.listRequests(), 1);
  EXPECT_TRUE(eventually([&] { return api_.watchRequests() >= 2; }));
}

TEST_F(CacheTest, HalfWrittenEventIsDiscardedAndTheWatchRecovers) {
  startCache();
  api_.sendHalfEventAndClose();
  api_.put("serviceaccounts", "team", "after-half", {});
  EXPECT_TRUE(eventually([&] { return cache_->peek("team", "after-half").has_value(); }));
  EXPECT_FALSE(cache_->peek("team", "half").has_value());
}

TEST_F(CacheTest, GoneResourceVersionTriggersARelist) {
  startCache();
  api_.expireHistory();
  api_.put("serviceaccounts", "team", "after-410", {});
  EXPECT_TRUE(eventually([&] { return api_.listRequests() >= 2; }));
  EXPECT_TRUE(eventually([&] { return cache_->peek("team", "after-410").has_value(); }));
}

TEST_F(CacheTest, ResyncAsksTheApiServerForNothing) {
  // Fails before the fix: every resync period was a full re-LIST.
  api_.put("serviceaccounts", "team", "app",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/a"}});
  ServiceAccountCacheOptions options;
  options.resync_period = 50ms;
  startCache(options);
  ASSERT_TRUE(eventually([&] { return cache_->reflectorStats().resyncs.load() >= 4; }));
  EXPECT_EQ(api_.listRequests(), 1);
  EXPECT_EQ(api_.watchRequests(), 1) << "the watch is not ended by a resync";
  EXPECT_EQ(api_.getRequests(), 0);
  EXPECT_EQ(roleOf(cache_->peek("team", "app")), "arn:aws:iam::1:role/a");
}

TEST_F(CacheTest, AMissAnsweredByAGetIsNotStored) {
  // Fails before the fix: the GET's answer was stored, and a DELETED event that overtook
  // the GET would have left it there for good now that resyncs do not re-list.
  ServiceAccountCacheOptions options;
  options.lookup_grace_period = 1s;
  startCache(options);
  api_.holdWatchEvents(true);
  api_.put("serviceaccounts", "team", "fresh",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/f"}});
  EXPECT_EQ(roleOf(cache_->find("team", "fresh")), "arn:aws:iam::1:role/f");
  EXPECT_EQ(cache_->stats().direct_gets.load(), 1u);
  EXPECT_FALSE(cache_->peek("team", "fresh").has_value()) << "only the watch writes the cache";
  api_.remove("serviceaccounts", "team", "fresh");
  api_.put("serviceaccounts", "team", "marker", {});
  api_.holdWatchEvents(false);
  ASSERT_TRUE(eventually([&] { return cache_->peek("team", "marker").has_value(); }));
  EXPECT_FALSE(cache_->peek("team", "fresh").has_value());
}

TEST_F(CacheTest, ALookupBeforeTheFirstSyncWaitsForIt) {
  // Fails before the fix: the lookup was answered "not found" after the grace period while
  // the first LIST was still on its way.
  api_.put("serviceaccounts", "team", "app",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/a"}});
  api_.failNextRequests(1000, 503);  // the GETs of the lookup fail too
  client_ = std::make_unique<ApiClient>(clientConfig(), 1000, 1000);
  ServiceAccountCacheOptions options;
  options.resync_period = 0ms;
  options.sync_wait = 5s;
  cache_ = std::make_unique<ServiceAccountCache>(*client_, options);
  cache_->start();
  std::optional<ServiceAccountRecord> found;
  std::thread lookup([&] { found = cache_->find("team", "app"); });
  ASSERT_TRUE(eventually([&] { return cache_->stats().lookups_before_sync.load() == 1; }));
  std::this_thread::sleep_for(300ms);  // longer than the grace period
  api_.failNextRequests(0, 503);
  lookup.join();
  EXPECT_EQ(roleOf(found), "arn:aws:iam::1:role/a");
  EXPECT_EQ(cache_->stats().lookups_unsynced.load(), 0u);
}

TEST_F(CacheTest, TheSyncWaitIsBounded) {
  api_.failNextRequests(100000, 503);
  client_ = std::make_unique<ApiClient>(clientConfig(), 1000, 1000);
  ServiceAccountCacheOptions options;
  options.resync_period = 0ms;
  options.sync_wait = 300ms;
  cache_ = std::make_unique<ServiceAccountCache>(*client_, options);
  cache_->start();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache_->find("team", "app").has_value());
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(cache_->stats().lookups_unsynced.load(), 1u);
  EXPECT_FALSE(cache_->synced());
}

TEST_F(CacheTest, ServerErrorsDelaySyncButDoNotBreakIt) {
  api_.failNextRequests(3, 500);
  startCache();
  EXPECT_TRUE(cache_->synced());
  EXPECT_GE(client_->stats().errors.load(), 3u);
}

TEST_F(CacheTest, SlowApiServerStillSyncs) {
  api_.put("serviceaccounts", "team", "slow", {});
  api_.setResponseDelay(300ms);
  startCache();
  EXPECT_TRUE(cache_->peek("team", "slow").has_value());
}

TEST_F(CacheTest, RotatedTokenFileIsReReadAfterA401) {
  token_file_ = dir_.file("token");
  test::writeFile(token_file_, "test-token\n");
  startCache();
  test::writeFile(token_file_, "rotated-token\n");
  api_.setToken("rotated-token");
  api_.closeWatches();  // the reconnect presents the old token, gets 401, re-reads the file
  api_.put("serviceaccounts", "team", "after-rotation", {});
  EXPECT_TRUE(eventually([&] { return cache_->peek("team", "after-rotation").has_value(); }, 10s));
  EXPECT_GE(api_.unauthorized(), 1);
  // Direct requests recover the same way.
  EXPECT_TRUE(client_->get("/api/v1/namespaces/team/serviceaccounts/after-rotation").ok());
}

TEST_F(CacheTest, ServiceAccountCreatedJustBeforeThePodIsFoundWithinTheGracePeriod) {
  ServiceAccountCacheOptions options;
  options.lookup_grace_period = 2s;
  startCache(options);
  // Simulate the watch lagging: the object exists, the event has not been seen yet, and
  // every answer takes longer than the default grace period (100 ms), so only a lookup
  // that waits for the configured 2 s finds it.
  api_.setResponseDelay(400ms);
  api_.closeWatches();
  api_.put("serviceaccounts", "team", "fresh",
           {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/f"}});
  const auto started = std::chrono::steady_clock::now();
  const auto found = cache_->find("team", "fresh");
  EXPECT_EQ(roleOf(found), "arn:aws:iam::1:role/f");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(cache_->stats().misses.load(), 1u);
  EXPECT_EQ(cache_->stats().found_after_wait.load(), 1u);
}

TEST_F(CacheTest, MissingServiceAccountCostsAtMostTheGracePeriod) {
  ServiceAccountCacheOptions options;
  options.lookup_grace_period = 150ms;
  startCache(options);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache_->find("team", "ghost").has_value());
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 2s) << "bounded by the grace period, not by API timeouts";
  EXPECT_EQ(cache_->stats().misses.load(), 1u);
}

TEST_F(CacheTest, AMissEndsExactlyWhenTheGracePeriodHasPassedOnTheCacheClock) {
  concurrency::ManualClock clock;
  ServiceAccountCacheOptions options;
  options.lookup_grace_period = 150ms;
  startCache(options, 5s, clock);
  std::atomic<bool> done{false};
  std::optional<ServiceAccountRecord> found;
  std::thread lookup([&] {
    found = cache_->find("team", "ghost");
    done = true;
  });
  // The GET answers 404; the lookup goes on waiting on the clock for the watch.
  ASSERT_TRUE(clock.awaitWaitsBegun(1));
  ASSERT_TRUE(eventually([&] { return api_.getRequests() >= 1; }));
  clock.advance(149ms);
  EXPECT_FALSE(done.load()) << "1 ms of the grace period is left";
  clock.advance(1ms);
  lookup.join();
  EXPECT_FALSE(found.has_value());
  EXPECT_EQ(cache_->stats().misses.load(), 1u);
}

TEST_F(CacheTest, ConcurrentMissesForOneKeyShareOneGet) {
  ServiceAccountCacheOptions options;
  options.lookup_grace_period = 600ms;
  startCache(options);
  // The GET stays in flight while all eight lookups arrive.
  api_.setResponseDelay(300ms);
  const int gets_before = api_.getRequests();
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { cache_->find("team", "nobody"); });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(cache_->stats().misses.load(), 8u);
  EXPECT_EQ(cache_->stats().direct_gets.load(), 1u);
  EXPECT_EQ(api_.getRequests() - gets_before, 1);
}

TEST_F(CacheTest, MissesBeyondTheGetQueueAreAnsweredAtOnce) {
  ServiceAccountCacheOptions options;
  options.lookup_grace_period = 300ms;
  options.miss_workers = 1;
  options.miss_queue = 1;
  startCache(options);
  // Every GET takes far longer than the grace period: the one worker stays busy with the
  // first miss while the second waits in the queue.
  api_.setResponseDelay(1500ms);
  std::thread first([&] { EXPECT_FALSE(cache_->find("team", "first").has_value()); });
  ASSERT_TRUE(eventually([&] { return cache_->stats().direct_gets.load() == 1; }));
  EXPECT_FALSE(cache_->find("team", "queued").has_value()) << "queued, then the grace ran out";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache_->find("team", "refused").has_value());
  const auto took = std::chrono::steady_clock::now() - started;
  first.join();
  EXPECT_EQ(cache_->stats().refused_misses.load(), 1u);
  EXPECT_LT(took, 300ms) << "a refused miss does not wait for the grace period";
  EXPECT_EQ(cache_->stats().misses.load(), 3u);
}

TEST_F(CacheTest, HundredThousandServiceAccounts) {
  api_.bulkAddServiceAccounts(100000);
  startCache({}, 120s);
  // Informational only; the speed target is checked by bench/, not here.
  std::cout << "synced 100k ServiceAccounts from the fake API server in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(sync_time_).count() << " ms\n";
  EXPECT_EQ(cache_->size(), 100000u);
  EXPECT_EQ(roleOf(cache_->peek("ns-990", "sa-99990")), "arn:aws:iam::111122223333:role/sa-99990");
  EXPECT_EQ(roleOf(cache_->peek("ns-1", "sa-1")), "<none>");
}

TEST_F(CacheTest, StopIsPromptWhateverTheReflectorIsDoing) {
  // Stopping right after start races the reflector opening its watch; a stream opened just
  // after cancelStreams() must still see the stop and not wait for the watch timeout.
  api_.setBookmarks(false);
  client_ = std::make_unique<ApiClient>(clientConfig(), 1000, 1000);
  for (int round = 0; round < 20; ++round) {
    ServiceAccountCache cache(*client_, {});
    cache.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(round));
    const auto started = std::chrono::steady_clock::now();
    cache.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "round " << round;
  }
}

TEST_F(CacheTest, ConfigMapWatchDeliversTheKeyAndChanges) {
  client_ = std::make_unique<ApiClient>(clientConfig(), 1000, 1000);
  std::mutex mutex;
  std::vector<std::optional<std::string>> seen;
  ConfigMapWatch watch(*client_, "eks", "pod-identity-webhook", "config", 0ms,
                       [&](const std::optional<std::string>& value) {
                         std::lock_guard lock(mutex);
                         seen.push_back(value);
                       });
  api_.put("configmaps", "eks", "other", {{"config", "ignored"}});
  watch.start();
  ASSERT_TRUE(eventually([&] { return watch.synced(); }));
  auto last = [&] {
    std::lock_guard lock(mutex);
    return seen.empty() ? std::optional<std::string>("<none>") : seen.back();
  };
  EXPECT_EQ(last(), std::nullopt) << "absent ConfigMap: no mappings";
  api_.put("configmaps", "eks", "pod-identity-webhook", {{"config", "{\"a/b\":{}}"}});
  EXPECT_TRUE(eventually([&] { return last() == std::optional<std::string>("{\"a/b\":{}}"); }));
  api_.remove("configmaps", "eks", "pod-identity-webhook");
  EXPECT_TRUE(eventually([&] { return last() == std::nullopt; }));
  watch.stop();
}

}  // namespace
}  // namespace irsa::kube
