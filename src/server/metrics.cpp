#include "irsa/server/metrics.h"

#include <cmath>
#include <sstream>

#include "server/server_metrics.h"

namespace irsa::server {

void MetricsRegistry::describe(const std::string& name, const std::string& type,
                               const std::string& help) {
  concurrency::WriterLock lock(mutex_);
  Family& family = families_[name];
  family.type = type;
  family.help = help;
}

void MetricsRegistry::addCallback(const std::string& name, const std::string& type,
                                  const std::string& help, std::function<double()> read) {
  concurrency::WriterLock lock(mutex_);
  Family& family = families_[name];
  family.type = type;
  family.help = help;
  family.callback = std::move(read);
}

void MetricsRegistry::increment(const std::string& name, const std::string& labels,
                                std::uint64_t by) {
  {
    concurrency::ReaderLock lock(mutex_);
    const auto family = families_.find(name);
    if (family != families_.end()) {
      const auto series = family->second.series.find(labels);
      if (series != family->second.series.end()) {
        series->second->fetch_add(by, std::memory_order_relaxed);
        return;
      }
    }
  }
  series(name, labels).fetch_add(by, std::memory_order_relaxed);
}

std::atomic<std::uint64_t>& MetricsRegistry::series(const std::string& name,
                                                    const std::string& labels) {
  concurrency::WriterLock lock(mutex_);
  Family& family = families_[name];
  if (family.type.empty()) family.type = "counter";
  auto& series = family.series[labels];
  if (!series) series = std::make_unique<std::atomic<std::uint64_t>>(0);
  return *series;
}

void MetricsRegistry::observeAdmissionSeconds(double seconds) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      bucket_counts_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  histogram_count_.fetch_add(1, std::memory_order_relaxed);
  histogram_sum_nanos_.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e9)),
                                 std::memory_order_relaxed);
}

std::string MetricsRegistry::render() const {
  std::ostringstream out;
  {
    concurrency::ReaderLock lock(mutex_);
    for (const auto& [name, family] : families_) {
      if (!family.help.empty()) out << "# HELP " << name << ' ' << family.help << '\n';
      out << "# TYPE " << name << ' ' << (family.type.empty() ? "counter" : family.type) << '\n';
      if (family.callback) {
        out << name << ' ' << family.callback() << '\n';
        continue;
      }
      if (family.series.empty()) out << name << " 0\n";
      for (const auto& [labels, value] : family.series) {
        out << name;
        if (!labels.empty()) out << '{' << labels << '}';
        out << ' ' << value->load(std::memory_order_relaxed) << '\n';
      }
    }
  }
  // Buckets are stored per interval and emitted cumulatively, as Prometheus expects.
  out << "# HELP " << kAdmissionLatencyName << ' ' << kAdmissionLatencyHelp << '\n';
  out << "# TYPE " << kAdmissionLatencyName << " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += bucket_counts_[i].load(std::memory_order_relaxed);
    out << kAdmissionLatencyName << "_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative << '\n';
  }
  const std::uint64_t count = histogram_count_.load(std::memory_order_relaxed);
  out << kAdmissionLatencyName << "_bucket{le=\"+Inf\"} " << count << '\n';
  out << kAdmissionLatencyName << "_sum "
      << static_cast<double>(histogram_sum_nanos_.load(std::memory_order_relaxed)) / 1e9 << '\n';
  out << kAdmissionLatencyName << "_count " << count << '\n';
  return out.str();
}

}  // namespace irsa::server
