#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace irsa::cli {

// Parses YAML (JSON is YAML too) into JSON, typing plain scalars the way kubectl does
// (true/false, null, integers, floats); quoted scalars stay strings. Empty on error, with
// the reason in *error.
std::optional<nlohmann::json> yamlToJson(const std::string& text, std::string* error);

}  // namespace irsa::cli
