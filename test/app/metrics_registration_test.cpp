// Every counter the kube module and the exception barrier keep is published on /metrics
// under its own name, reading its own counter.

#include "app/metrics_registration.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "irsa/concurrency/exception_barrier.h"

namespace irsa::app {
namespace {

using Counter = std::atomic<std::uint64_t>;

// The stats structs are only handed out read-only; the objects themselves are not const,
// so a test may set their counters to tell the metrics apart.
Counter& writable(const Counter& counter) {
  return const_cast<Counter&>(counter);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

// An API server nothing listens on: these tests never send a request.
kube::ClientConfig unusedServer() {
  kube::ClientConfig config;
  config.server = "http://127.0.0.1:1";
  return config;
}

struct ExportedCounter {
  std::string metric;
  Counter* counter;
};

class KubeMetricsTest : public ::testing::Test {
 protected:
  KubeMetricsTest()
      : client_(unusedServer(), 1, 1), cache_(client_, kube::ServiceAccountCacheOptions{}) {
    registerKubeMetrics(metrics_, client_, cache_);
  }

  // Every counter of ServiceAccountCacheStats, ReflectorStats and ApiClientStats (the
  // static_asserts in metrics_registration.cpp keep this list complete).
  std::vector<ExportedCounter> counters() {
    const kube::ServiceAccountCacheStats& cache = cache_.stats();
    const kube::ReflectorStats& reflector = cache_.reflectorStats();
    const kube::ApiClientStats& api = client_.stats();
    return {
        {"irsa_webhook_cache_misses_total", &writable(cache.misses)},
        {"irsa_webhook_cache_miss_gets_total", &writable(cache.direct_gets)},
        {"irsa_webhook_cache_misses_found_total", &writable(cache.found_after_wait)},
        {"irsa_webhook_cache_misses_refused_total", &writable(cache.refused_misses)},
        {"irsa_webhook_cache_lookups_before_sync_total", &writable(cache.lookups_before_sync)},
        {"irsa_webhook_cache_lookups_unsynced_total", &writable(cache.lookups_unsynced)},
        {"irsa_webhook_resyncs_total", &writable(reflector.resyncs)},
        {"irsa_webhook_relists_total", &writable(reflector.lists)},
        {"irsa_webhook_watch_restarts_total", &writable(reflector.watch_restarts)},
        {"irsa_webhook_watch_events_total", &writable(reflector.events)},
        {"irsa_webhook_list_watch_failures_total", &writable(reflector.failures)},
        {"irsa_webhook_kube_api_requests_total", &writable(api.requests)},
        {"irsa_webhook_kube_api_errors_total", &writable(api.errors)},
    };
  }

  server::MetricsRegistry metrics_;
  kube::ApiClient client_;
  kube::ServiceAccountCache cache_;
};

TEST_F(KubeMetricsTest, EveryCounterIsExportedAsACounterWithHelp) {
  const std::string text = metrics_.render();
  for (const ExportedCounter& exported : counters()) {
    EXPECT_NE(text.find("# HELP " + exported.metric + " "), std::string::npos) << exported.metric;
    EXPECT_NE(text.find("# TYPE " + exported.metric + " counter\n"), std::string::npos)
        << exported.metric;
  }
}

TEST_F(KubeMetricsTest, EachMetricReadsItsOwnCounter) {
  const std::vector<ExportedCounter> exported = counters();
  // Distinct values, so a metric wired to another counter shows the wrong one.
  for (std::size_t i = 0; i < exported.size(); ++i) exported[i].counter->store(101 + i);
  const std::string text = metrics_.render();
  for (std::size_t i = 0; i < exported.size(); ++i) {
    EXPECT_NE(text.find(exported[i].metric + " " + std::to_string(101 + i) + "\n"),
              std::string::npos)
        << exported[i].metric << " in\n"
        << text;
  }
}

TEST_F(KubeMetricsTest, RequestSecondsAreTheLatencyTotalInSeconds) {
  writable(client_.stats().latency_micros_total).store(2500000);
  EXPECT_NE(metrics_.render().find("irsa_webhook_kube_api_request_seconds_total 2.5\n"),
            std::string::npos);
}

TEST(ProcessMetrics, BackgroundExceptionsCountWhatTheBarrierCaught) {
  server::MetricsRegistry metrics;
  registerProcessMetrics(metrics);
  concurrency::runGuarded("metrics test", [] { throw std::runtime_error("boom"); }).ignore();
  const std::string expected = "irsa_webhook_background_exceptions_total " +
                               std::to_string(concurrency::backgroundFailures()) + "\n";
  ASSERT_GE(concurrency::backgroundFailures(), 1u);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE irsa_webhook_background_exceptions_total counter\n"),
            std::string::npos);
  EXPECT_NE(text.find(expected), std::string::npos) << text;
}

}  // namespace
}  // namespace irsa::app
