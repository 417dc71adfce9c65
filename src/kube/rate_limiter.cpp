#include "irsa/kube/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace irsa::kube {

RateLimiter::RateLimiter(double qps, int burst)
    : qps_(qps > 0 ? qps : 1),
      burst_(burst > 0 ? burst : 1),
      tokens_(burst_),
      last_(std::chrono::steady_clock::now()) {}

std::chrono::steady_clock::duration RateLimiter::reserve(
    std::chrono::steady_clock::duration max_wait, bool& granted) {
  concurrency::MutexLock lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
  last_ = now;
  const double missing = 1.0 - tokens_;
  const auto wait = missing <= 0 ? std::chrono::steady_clock::duration::zero()
                                 : std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(missing / qps_));
  granted = wait <= max_wait;
  if (granted) tokens_ -= 1.0;  // may go negative: the debt is the wait below
  return wait;
}

void RateLimiter::acquire() {
  bool granted = false;
  const auto wait = reserve(std::chrono::hours(1), granted);
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
}

bool RateLimiter::tryAcquire(std::chrono::milliseconds max_wait) {
  bool granted = false;
  const auto wait = reserve(max_wait, granted);
  if (!granted) return false;
  if (wait.count() > 0) std::this_thread::sleep_for(wait);
  return true;
}

}  // namespace irsa::kube
