// ManualClock, StoppableThread and PeriodicTask: tests advance time and wait for the loop
// under test to begin its next wait, so every assertion follows the event it is about.

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "irsa/concurrency/exception_barrier.h"
#include "irsa/concurrency/manual_clock.h"
#include "irsa/concurrency/periodic_task.h"
#include "irsa/concurrency/stoppable_thread.h"

namespace irsa::concurrency {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, WaitEndsAtTheDeadlineOnAWakeupOrOnStop) {
  ManualClock clock;
  Wakeup wakeup;
  std::atomic<int> end{-1};
  std::jthread waiter([&](const std::stop_token& stop) {
    end = static_cast<int>(clock.waitUntil(stop, clock.now() + 10s, wakeup, 0));
  });
  ASSERT_TRUE(clock.awaitWaitsBegun(1));
  clock.advance(9s);
  EXPECT_EQ(end.load(), -1) << "deadline not reached yet";
  clock.advance(1s);
  waiter.join();
  EXPECT_EQ(end.load(), static_cast<int>(WaitEnd::kDeadline));

  std::jthread woken([&](const std::stop_token& stop) {
    end = static_cast<int>(clock.waitUntil(stop, clock.now() + 10s, wakeup, wakeup.generation()));
  });
  ASSERT_TRUE(clock.awaitWaitsBegun(2));
  wakeup.notify();
  woken.join();
  EXPECT_EQ(end.load(), static_cast<int>(WaitEnd::kWoken));

  std::jthread stopped([&](const std::stop_token& stop) {
    end = static_cast<int>(clock.waitUntil(stop, clock.now() + 10s, wakeup, wakeup.generation()));
  });
  ASSERT_TRUE(clock.awaitWaitsBegun(3));
  stopped.request_stop();
  stopped.join();
  EXPECT_EQ(end.load(), static_cast<int>(WaitEnd::kStopped));
}

TEST(ManualClock, ANotifyBeforeTheWaitIsNotLost) {
  ManualClock clock;
  Wakeup wakeup;
  const std::uint64_t seen = wakeup.generation();
  wakeup.notify();
  EXPECT_EQ(clock.waitUntil({}, clock.now() + 10s, wakeup, seen), WaitEnd::kWoken);
}

TEST(SystemClock, SleepForReturnsFalseWhenStopped) {
  std::stop_source source;
  source.request_stop();
  EXPECT_FALSE(systemClock().sleepFor(source.get_token(), 10s));
  EXPECT_TRUE(systemClock().sleepFor({}, 1ms));
}

TEST(StoppableThread, StopEndsAWaitingBodyAndAnExceptionIsCaught) {
  std::atomic<bool> returned{false};
  StoppableThread waiting("waiting", [&](const std::stop_token& stop) {
    systemClock().sleepFor(stop, 1h);
    returned = true;
  });
  waiting.stop();
  EXPECT_TRUE(returned.load());
  EXPECT_FALSE(waiting.running());

  const std::uint64_t failures_before = backgroundFailures();
  StoppableThread throwing("throwing",
                           [](const std::stop_token&) { throw std::runtime_error("boom"); });
  throwing.stop();  // the process is still alive: the barrier caught it
  EXPECT_EQ(backgroundFailures(), failures_before + 1);
}

TEST(PeriodicTask, RunsOncePerIntervalAndGoesOnAfterAnException) {
  ManualClock clock;
  std::atomic<int> runs{0};
  const std::uint64_t failures_before = backgroundFailures();
  PeriodicTask task(
      "ticker", 1s,
      [&] {
        if (++runs == 1) throw std::runtime_error("first run fails");
      },
      clock);
  ASSERT_TRUE(clock.awaitWaitsBegun(1));
  EXPECT_EQ(runs.load(), 0) << "the first run is one interval after start";
  clock.advance(1s);
  ASSERT_TRUE(clock.awaitWaitsBegun(2));
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(backgroundFailures(), failures_before + 1);
  clock.advance(1s);
  ASSERT_TRUE(clock.awaitWaitsBegun(3));
  EXPECT_EQ(runs.load(), 2) << "the exception did not end the schedule";
  task.wake();
  ASSERT_TRUE(clock.awaitWaitsBegun(4));
  EXPECT_EQ(runs.load(), 3) << "wake() runs it without waiting for the interval";
}

}  // namespace
}  // namespace irsa::concurrency
