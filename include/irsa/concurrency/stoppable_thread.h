#pragma once

// The one way this program runs a background thread: std::jthread, stopped through its
// std::stop_token. Destroying a StoppableThread requests the stop and joins.

#include <functional>
#include <stop_token>
#include <string>
#include <thread>

namespace irsa::concurrency {

class StoppableThread {
 public:
  using Body = std::function<void(std::stop_token)>;

  StoppableThread() = default;  // runs nothing
  // Starts `body` on a new thread. An exception escaping `body` is caught by the exception
  // barrier (logged, counted) and ends the thread: a body whose work must outlive one
  // failure guards each turn of its loop itself (PeriodicTask, Reflector, BoundedExecutor).
  StoppableThread(std::string name, Body body);
  StoppableThread(StoppableThread&&) noexcept = default;
  StoppableThread& operator=(StoppableThread&&) noexcept = default;
  ~StoppableThread() = default;

  // Asks the body to return; does not wait.
  void requestStop();
  // Asks the body to return and waits until it has. Idempotent.
  void stop();
  bool running() const { return thread_.joinable(); }

 private:
  std::jthread thread_;
};

}  // namespace irsa::concurrency
