#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "irsa/concurrency/clock.h"
#include "irsa/concurrency/stoppable_thread.h"

namespace irsa::concurrency {

// Runs `body` every `interval` (the first run one interval after start) on a
// StoppableThread, and at once after wake(). An exception in one run is caught by the
// exception barrier (logged, counted) and the task goes on: each run is independent, so
// one failure must not end the schedule.
class PeriodicTask {
 public:
  PeriodicTask(std::string name, Duration interval, std::function<void()> body,
               Clock& clock = systemClock());
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Runs the body now instead of at the next tick.
  void wake() { wakeup_.notify(); }
  void stop() { thread_.stop(); }

 private:
  void run(const std::stop_token& stop);

  const std::string name_;
  const Duration interval_;
  const std::function<void()> body_;
  Clock& clock_;
  Wakeup wakeup_;
  StoppableThread thread_;  // last: stops before the members it uses go away
};

}  // namespace irsa::concurrency
