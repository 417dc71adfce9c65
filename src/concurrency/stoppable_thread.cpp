#include "irsa/concurrency/stoppable_thread.h"

#include "irsa/concurrency/exception_barrier.h"

namespace irsa::concurrency {

StoppableThread::StoppableThread(std::string name, Body body)
    : thread_([name = std::move(name), body = std::move(body)](std::stop_token stop) {
        runGuarded(name, [&] { body(stop); }).ignore();  // logged and counted by the barrier
      }) {}

void StoppableThread::requestStop() {
  thread_.request_stop();
}

void StoppableThread::stop() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace irsa::concurrency
