#pragma once

#include <atomic>
#include <chrono>
#include <set>

#include "irsa/concurrency/clock.h"

namespace irsa::concurrency {

// A clock that moves only when advance() is called, for tests. A test advances time, then
// waits for the event it expects (awaitWaitsBegun: the loop under test finished its turn
// and waits again) before asserting, so "nothing happened" is asserted after the moment
// it could have happened, not after an arbitrary sleep.
class ManualClock final : public Clock {
 public:
  TimePoint now() const override;
  WaitEnd waitUntil(std::stop_token stop, TimePoint deadline, Wakeup& wakeup,
                    std::uint64_t seen_generation) override;

  // Moves time forward and wakes every waiter whose deadline has passed.
  void advance(Duration duration) EXCLUDES(mutex_);
  // How many waits have begun since the clock was made.
  std::uint64_t waitsBegun() const EXCLUDES(mutex_);
  // Blocks (at most `limit` of real time) until at least `count` waits have begun; false on
  // timeout.
  bool awaitWaitsBegun(std::uint64_t count,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) EXCLUDES(mutex_);

 private:
  std::atomic<Duration::rep> elapsed_{0};
  mutable Mutex mutex_;
  std::condition_variable_any wait_begun_;
  std::uint64_t waits_begun_ GUARDED_BY(mutex_) = 0;
  std::multiset<Wakeup*> waiting_ GUARDED_BY(mutex_);
};

}  // namespace irsa::concurrency
