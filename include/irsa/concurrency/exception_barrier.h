#pragma once

// The exception barrier of every background thread and task: an exception escaping a
// body is logged with spdlog, counted, and turned into a Status, never into
// std::terminate.

#include <cstdint>
#include <functional>
#include <string_view>

#include "irsa/status/status.h"

namespace irsa::concurrency {

// Runs `body`; an exception becomes an internal-error Status (logged, counted). `what`
// names the thread or task in the log line.
Status runGuarded(std::string_view what, const std::function<void()>& body);

// Exceptions caught by runGuarded since the process started (a metric).
std::uint64_t backgroundFailures();

}  // namespace irsa::concurrency
