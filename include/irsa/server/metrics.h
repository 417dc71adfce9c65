#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "irsa/concurrency/mutex.h"

namespace irsa::server {

// A Prometheus text-format registry small enough to read in one sitting. Counters and the
// histogram are atomics, so the admission path never takes a lock once a label set exists.
class MetricsRegistry {
 public:
  // Monotonic counter for one label set, e.g. labels = R"(verb="POST",path="/mutate")".
  void increment(const std::string& name, const std::string& labels = {}, std::uint64_t by = 1)
      EXCLUDES(mutex_);
  // The counter of one series, created at 0 if new. The reference stays valid for the
  // registry's life: hot paths keep it instead of looking the series up per request.
  std::atomic<std::uint64_t>& series(const std::string& name, const std::string& labels)
      EXCLUDES(mutex_);

  // Declares HELP/TYPE text for a metric family.
  void describe(const std::string& name, const std::string& type, const std::string& help)
      EXCLUDES(mutex_);

  // A value read at scrape time (cache size, watch restarts, ...), from another module.
  void addCallback(const std::string& name, const std::string& type, const std::string& help,
                   std::function<double()> read) EXCLUDES(mutex_);

  // Records one admission latency in the seconds histogram (named, with the server's other
  // metrics, in src/server/server_metrics.h).
  void observeAdmissionSeconds(double seconds);

  std::string render() const EXCLUDES(mutex_);

 private:
  struct Family {
    std::string type;
    std::string help;
    std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> series;
    std::function<double()> callback;
  };
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

  // Guards which families and series exist; the values themselves are atomics.
  mutable concurrency::SharedMutex mutex_;
  std::map<std::string, Family> families_ GUARDED_BY(mutex_);
  std::array<std::atomic<std::uint64_t>, kBuckets.size()> bucket_counts_{};
  std::atomic<std::uint64_t> histogram_count_{0};
  std::atomic<std::uint64_t> histogram_sum_nanos_{0};
};

}  // namespace irsa::server
