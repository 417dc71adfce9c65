#include "irsa/concurrency/manual_clock.h"

namespace irsa::concurrency {

TimePoint ManualClock::now() const {
  return TimePoint(Duration(elapsed_.load()));
}

WaitEnd ManualClock::waitUntil(std::stop_token stop, TimePoint deadline, Wakeup& wakeup,
                               std::uint64_t seen_generation) {
  {
    MutexLock lock(mutex_);
    ++waits_begun_;
    waiting_.insert(&wakeup);
  }
  wait_begun_.notify_all();
  bool woken = false;
  {
    MutexLock lock(wakeup.mutex_);
    wakeup.changed_.wait(wakeup.mutex_, stop, [&]() REQUIRES(wakeup.mutex_) {
      woken = wakeup.generation_ != seen_generation;
      return woken || now() >= deadline;
    });
  }
  {
    MutexLock lock(mutex_);
    waiting_.erase(waiting_.find(&wakeup));
  }
  if (woken) return WaitEnd::kWoken;
  return now() >= deadline ? WaitEnd::kDeadline : WaitEnd::kStopped;
}

void ManualClock::advance(Duration duration) {
  // The clock's mutex stays held while notifying: a waiter unregisters under it, so no
  // Wakeup is destroyed while it is being notified here.
  MutexLock lock(mutex_);
  elapsed_.fetch_add(duration.count());
  for (Wakeup* wakeup : waiting_) {
    // Taking the waiter's mutex orders this notify after its predicate check.
    { MutexLock waiter_lock(wakeup->mutex_); }
    wakeup->changed_.notify_all();
  }
}

std::uint64_t ManualClock::waitsBegun() const {
  MutexLock lock(mutex_);
  return waits_begun_;
}

bool ManualClock::awaitWaitsBegun(std::uint64_t count, std::chrono::milliseconds limit) {
  MutexLock lock(mutex_);
  return wait_begun_.wait_for(mutex_, limit,
                              [&]() REQUIRES(mutex_) { return waits_begun_ >= count; });
}

}  // namespace irsa::concurrency
