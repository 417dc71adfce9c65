#pragma once

#include <chrono>

#include "irsa/concurrency/mutex.h"

namespace irsa::kube {

// Token bucket: `qps` tokens per second, at most `burst` saved up. acquire() sleeps until
// a token is free, so a burst of cache misses cannot flood the API server.
class RateLimiter {
 public:
  RateLimiter(double qps, int burst);
  void acquire();
  // Takes a token only if one is free within `max_wait`; false otherwise (no token taken).
  bool tryAcquire(std::chrono::milliseconds max_wait);

 private:
  std::chrono::steady_clock::duration reserve(std::chrono::steady_clock::duration max_wait,
                                              bool& granted) EXCLUDES(mutex_);

  const double qps_;
  const double burst_;
  concurrency::Mutex mutex_;  // guards the bucket's level and when it was last filled
  double tokens_ GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point last_ GUARDED_BY(mutex_);
};

}  // namespace irsa::kube
