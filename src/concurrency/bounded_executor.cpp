#include "irsa/concurrency/bounded_executor.h"

#include "irsa/concurrency/exception_barrier.h"

namespace irsa::concurrency {

BoundedExecutor::BoundedExecutor(std::string name, int workers, std::size_t capacity)
    : name_(std::move(name)), capacity_(capacity) {
  workers_.reserve(static_cast<std::size_t>(workers));
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back(name_ + " worker " + std::to_string(i),
                          [this](const std::stop_token& stop) { work(stop); });
  }
}

BoundedExecutor::~BoundedExecutor() {
  stop();
}

Status BoundedExecutor::submit(std::function<void()> task) {
  {
    MutexLock lock(mutex_);
    if (stopping_) return failedPrecondition(name_ + " is stopped");
    if (queue_.size() >= capacity_) {
      return resourceExhausted(name_ + " queue is full (" + std::to_string(capacity_) + " tasks)");
    }
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return okStatus();
}

void BoundedExecutor::stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  for (StoppableThread& worker : workers_) worker.requestStop();
  for (StoppableThread& worker : workers_) worker.stop();
}

std::size_t BoundedExecutor::queued() const {
  MutexLock lock(mutex_);
  return queue_.size();
}

void BoundedExecutor::work(const std::stop_token& stop) {
  while (true) {
    std::function<void()> task;
    {
      MutexLock lock(mutex_);
      // After a stop request the wait returns at once; what is still queued is run first.
      ready_.wait(mutex_, stop, [&]() REQUIRES(mutex_) { return !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    runGuarded(name_, task).ignore();  // logged and counted by the barrier
  }
}

}  // namespace irsa::concurrency
