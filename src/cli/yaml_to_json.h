#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "irsa/status/result.h"

namespace irsa::cli {

// Parses YAML (JSON is YAML too) into JSON, typing plain scalars the way kubectl does
// (true/false, null, integers, floats); quoted scalars stay strings. Text that does not
// parse is InvalidArgument with the YAML parser's message.
Result<nlohmann::json> yamlToJson(const std::string& text);

}  // namespace irsa::cli
