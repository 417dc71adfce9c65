#pragma once

#include <spdlog/formatter.h>

#include <memory>

#include "irsa/config/config.h"

namespace irsa::config {

// spdlog to stderr: human-readable text, or one JSON object per line for log pipelines.
// -v maps to levels: 0-3 info, 4-5 debug, 6+ trace.
void configureLogging(const Config& config);

// The formatter of --log-format=json: every line one valid JSON object, whatever bytes a
// message quotes.
std::unique_ptr<spdlog::formatter> jsonLineFormatter();

}  // namespace irsa::config
