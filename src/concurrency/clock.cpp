#include "irsa/concurrency/clock.h"

namespace irsa::concurrency {

void Wakeup::notify() {
  {
    MutexLock lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

std::uint64_t Wakeup::generation() const {
  MutexLock lock(mutex_);
  return generation_;
}

bool Clock::sleepFor(const std::stop_token& stop, Duration duration) {
  Wakeup never_notified;
  return waitUntil(stop, now() + duration, never_notified, 0) != WaitEnd::kStopped;
}

WaitEnd SystemClock::waitUntil(std::stop_token stop, TimePoint deadline, Wakeup& wakeup,
                               std::uint64_t seen_generation) {
  MutexLock lock(wakeup.mutex_);
  const bool woken = wakeup.changed_.wait_until(
      wakeup.mutex_, stop, deadline,
      [&]() REQUIRES(wakeup.mutex_) { return wakeup.generation_ != seen_generation; });
  if (woken) return WaitEnd::kWoken;
  return stop.stop_requested() ? WaitEnd::kStopped : WaitEnd::kDeadline;
}

Clock& systemClock() {
  static SystemClock clock;
  return clock;
}

}  // namespace irsa::concurrency
