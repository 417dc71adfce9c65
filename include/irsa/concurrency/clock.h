#pragma once

// The time source of every background loop and every bounded wait, injectable so tests
// drive time (ManualClock) and wait for events instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <stop_token>

#include "irsa/concurrency/mutex.h"

namespace irsa::concurrency {

using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

// Something a waiting thread is woken by besides its deadline and a stop request: a watch
// event arriving, a file system notification. Read generation() before checking the
// condition and pass it to Clock::waitUntil, so a notify() in between is not lost.
class Wakeup {
 public:
  void notify() EXCLUDES(mutex_);
  std::uint64_t generation() const EXCLUDES(mutex_);

 private:
  friend class SystemClock;
  friend class ManualClock;
  mutable Mutex mutex_;
  std::condition_variable_any changed_;
  std::uint64_t generation_ GUARDED_BY(mutex_) = 0;
};

enum class WaitEnd { kDeadline, kWoken, kStopped };

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Blocks until `deadline`, a stop request on `stop`, or a notify() of `wakeup` after
  // `seen_generation`, whichever comes first.
  virtual WaitEnd waitUntil(std::stop_token stop, TimePoint deadline, Wakeup& wakeup,
                            std::uint64_t seen_generation) = 0;

  // Sleeps for `duration` unless stopped first; false when stopped.
  bool sleepFor(const std::stop_token& stop, Duration duration);
};

// The steady clock and real waits.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  WaitEnd waitUntil(std::stop_token stop, TimePoint deadline, Wakeup& wakeup,
                    std::uint64_t seen_generation) override;
};

// The process-wide SystemClock, the default of every component that takes a Clock&.
Clock& systemClock();

}  // namespace irsa::concurrency
