#include "irsa/concurrency/periodic_task.h"

#include "irsa/concurrency/exception_barrier.h"

namespace irsa::concurrency {

PeriodicTask::PeriodicTask(std::string name, Duration interval, std::function<void()> body,
                           Clock& clock)
    : name_(std::move(name)),
      interval_(interval),
      body_(std::move(body)),
      clock_(clock),
      thread_(name_, [this](const std::stop_token& stop) { run(stop); }) {}

PeriodicTask::~PeriodicTask() {
  thread_.stop();
}

void PeriodicTask::run(const std::stop_token& stop) {
  while (true) {
    const std::uint64_t seen = wakeup_.generation();
    if (clock_.waitUntil(stop, clock_.now() + interval_, wakeup_, seen) == WaitEnd::kStopped) {
      return;
    }
    runGuarded(name_, body_).ignore();  // logged and counted by the barrier; next run goes on
  }
}

}  // namespace irsa::concurrency
