#include "cli/yaml_to_json.h"

#include <yaml-cpp/yaml.h>

#include <regex>

namespace irsa::cli {
namespace {

using nlohmann::json;

json scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return text;  // quoted or explicitly tagged: a string
  static const std::regex kInt(R"(^[-+]?(0|[1-9][0-9]*)$)");
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  if (text == "~" || text == "null" || text == "Null" || text == "NULL" || text.empty())
    return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, kInt)) {
    try {
      return std::stoll(text);
    } catch (const std::exception&) {
      return text;
    }
  }
  if (std::regex_match(text, kFloat)) return std::stod(text);
  return text;
}

json convert(const YAML::Node& node, int depth) {
  if (depth > 100) throw YAML::Exception(node.Mark(), "document nests too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const YAML::Node& item : node) out.push_back(convert(item, depth + 1));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node)
        out[entry.first.as<std::string>()] = convert(entry.second, depth + 1);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Result<nlohmann::json> yamlToJson(const std::string& text) {
  try {
    return convert(YAML::Load(text), 0);
  } catch (const YAML::Exception& e) {
    return invalidArgument(e.what());
  }
}

}  // namespace irsa::cli
