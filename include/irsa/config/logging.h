#pragma once

#include "irsa/config/config.h"

namespace irsa::config {

// spdlog to stderr: human-readable text, or one JSON object per line for log pipelines.
// -v maps to levels: 0-3 info, 4-5 debug, 6+ trace.
void configureLogging(const Config& config);

}  // namespace irsa::config
