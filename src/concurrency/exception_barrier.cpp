#include "irsa/concurrency/exception_barrier.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <string>

namespace irsa::concurrency {
namespace {

std::atomic<std::uint64_t> failures{0};

Status caught(std::string_view what, std::string_view reason) {
  failures.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("{} failed with an exception: {}", what, reason);
  return internalError(std::string(what) + ": " + std::string(reason));
}

}  // namespace

Status runGuarded(std::string_view what, const std::function<void()>& body) {
  try {
    body();
    return okStatus();
  } catch (const std::exception& error) {
    return caught(what, error.what());
  } catch (...) {
    return caught(what, "unknown exception");
  }
}

std::uint64_t backgroundFailures() {
  return failures.load(std::memory_order_relaxed);
}

}  // namespace irsa::concurrency
