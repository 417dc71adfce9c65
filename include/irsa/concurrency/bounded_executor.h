#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "irsa/concurrency/mutex.h"
#include "irsa/concurrency/stoppable_thread.h"
#include "irsa/status/status.h"

namespace irsa::concurrency {

// A fixed number of worker threads and a bounded queue: work that cannot be queued is
// refused at once instead of creating a thread or growing without limit. Each task runs
// behind the exception barrier; a task that throws does not end its worker.
class BoundedExecutor {
 public:
  BoundedExecutor(std::string name, int workers, std::size_t capacity);
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // Queues `task`; ResourceExhausted when the queue is full, FailedPrecondition once
  // stopped. The task is not run when the status is not OK.
  [[nodiscard]] Status submit(std::function<void()> task) EXCLUDES(mutex_);
  // Refuses new tasks, runs those already queued, then ends the workers.
  void stop() EXCLUDES(mutex_);
  std::size_t queued() const EXCLUDES(mutex_);

 private:
  void work(const std::stop_token& stop) EXCLUDES(mutex_);

  const std::string name_;
  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::condition_variable_any ready_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::vector<StoppableThread> workers_;  // last: stop before the queue goes away
};

}  // namespace irsa::concurrency
